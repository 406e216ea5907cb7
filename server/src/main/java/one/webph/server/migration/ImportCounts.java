package one.webph.server.migration;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What an import did, row by row: every source row is counted exactly once as imported (new here), updated
 * (existed here with other values), unchanged (already identical: a second run counts only these) or skipped
 * (unusable here, with one warning line saying why).
 */
public final class ImportCounts {
  private int imported;
  private int updated;
  private int unchanged;
  private int skipped;
  private final List<String> warnings = new ArrayList<>();

  void imported() {
    imported++;
  }

  void updated() {
    updated++;
  }

  void unchanged() {
    unchanged++;
  }

  void skipped(String warning) {
    skipped++;
    warnings.add(warning);
  }

  /** A warning about a row that was still imported (e.g. conflicting source data resolved one way). */
  void warn(String warning) {
    warnings.add(warning);
  }

  public int importedCount() {
    return imported;
  }

  public int updatedCount() {
    return updated;
  }

  public int unchangedCount() {
    return unchanged;
  }

  public int skippedCount() {
    return skipped;
  }

  /** One line per skipped or questionable row, in source order. */
  public List<String> warnings() {
    return Collections.unmodifiableList(warnings);
  }

  /** E.g. {@code imported 3, updated 0, unchanged 1, skipped 1}. */
  public String summary() {
    return "imported " + imported + ", updated " + updated + ", unchanged " + unchanged + ", skipped " + skipped;
  }

  @Override
  public String toString() {
    return summary();
  }
}
