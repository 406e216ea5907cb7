package one.webph.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/CONFIG.md must document every key exactly as the key table does. */
class ConfigDocsTest {
  @Test
  void configMdContainsTheGeneratedTable() throws Exception {
    Path doc = Path.of("..", "docs", "CONFIG.md");
    assertThat(doc).exists();
    String text = Files.readString(doc);
    String table = ConfigKeys.markdownTable();
    assertThat(text)
        .as("docs/CONFIG.md is out of date; replace its table with the output of `bin/webphone config --docs`")
        .contains(table);
    for (ConfigKey<?> key : ConfigKeys.all()) {
      assertThat(text).contains("`" + key.envName() + "`");
    }
  }
}
