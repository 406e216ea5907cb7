package db.migration;

import java.sql.Statement;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

/**
 * Makes subscribers.ha1_sha256 optional: accounts imported from Kamailio with only an MD5 HA1 (no plain
 * password) have no SHA-256 HA1 and authenticate with MD5 only. A Java migration because H2 and MariaDB share
 * no syntax for dropping NOT NULL.
 */
public class V4__SubscribersSha256Optional extends BaseJavaMigration {
  @Override
  public void migrate(Context context) throws Exception {
    boolean h2 = "H2".equals(context.getConnection().getMetaData().getDatabaseProductName());
    try (Statement statement = context.getConnection().createStatement()) {
      statement.execute(h2 ? "ALTER TABLE subscribers ALTER COLUMN ha1_sha256 SET NULL"
          : "ALTER TABLE subscribers MODIFY ha1_sha256 CHAR(64) NULL");
    }
  }
}
