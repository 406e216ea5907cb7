-- Web push (issue 5). Portable SQL: runs unchanged on H2 and MariaDB/MySQL. Times are epoch milliseconds
-- (BIGINT), which avoids MariaDB's implicit TIMESTAMP defaults and time-zone conversions.

-- Browser push subscriptions: several devices per number, one row per endpoint. The endpoint URL can be long
-- (over MariaDB's 3072-byte index limit), so uniqueness is enforced on its SHA-256 (hex).
CREATE TABLE push_subscriptions (
  id              BIGINT        NOT NULL AUTO_INCREMENT,
  number          VARCHAR(32)   NOT NULL,
  endpoint        VARCHAR(2048) NOT NULL,
  endpoint_sha256 CHAR(64)      NOT NULL,
  p256dh          VARCHAR(128)  NOT NULL,
  auth            VARCHAR(64)   NOT NULL,
  created_at      BIGINT        NOT NULL,
  updated_at      BIGINT        NOT NULL,
  user_agent      VARCHAR(255),
  CONSTRAINT pk_push_subscriptions PRIMARY KEY (id),
  CONSTRAINT uq_push_subscriptions_endpoint UNIQUE (endpoint_sha256),
  CONSTRAINT fk_push_subscriptions_number FOREIGN KEY (number) REFERENCES subscribers (number) ON DELETE CASCADE
);
CREATE INDEX ix_push_subscriptions_number ON push_subscriptions (number);

-- SIP MESSAGEs to a number that had no contact, kept until it registers or expires_at passes.
-- received_at is the message's original Date (or arrival time); body is the raw SIP body.
CREATE TABLE offline_messages (
  id            BIGINT        NOT NULL AUTO_INCREMENT,
  number        VARCHAR(32)   NOT NULL,
  sender        VARCHAR(1024) NOT NULL,
  content_type  VARCHAR(255)  NOT NULL,
  body          BLOB          NOT NULL,
  received_at   BIGINT        NOT NULL,
  expires_at    BIGINT        NOT NULL,
  CONSTRAINT pk_offline_messages PRIMARY KEY (id),
  CONSTRAINT fk_offline_messages_number FOREIGN KEY (number) REFERENCES subscribers (number) ON DELETE CASCADE
);
CREATE INDEX ix_offline_messages_number ON offline_messages (number, id);
CREATE INDEX ix_offline_messages_expires ON offline_messages (expires_at);

-- After-call ratings (kind 'survey') and comments (kind 'feedback') posted by the app; payload is the JSON text.
CREATE TABLE call_feedback (
  id          BIGINT      NOT NULL AUTO_INCREMENT,
  kind        VARCHAR(16) NOT NULL,
  number      VARCHAR(32),
  payload     TEXT        NOT NULL,
  created_at  BIGINT      NOT NULL,
  CONSTRAINT pk_call_feedback PRIMARY KEY (id)
);
CREATE INDEX ix_call_feedback_kind ON call_feedback (kind, id);
