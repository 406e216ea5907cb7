-- Call records (issue 7). Portable SQL: runs unchanged on H2 and MariaDB/MySQL. Times are epoch milliseconds.
-- One row per initial INVITE that reached the proxy's routing, written at its final response; an answered call
-- is updated when its dialog ends (BYE, media end). end_reason NULL means "still in progress"; a row left so by
-- a crash is closed at the next start with end_reason 'unknown' (end_time stays NULL: the real end is unknown).
-- caller / callee are numbers (or whole URIs for parties that have none); route is 'local' or where the call
-- left the server. media_stats is JSON text: the relay's packets/bytes/loss/jitter per leg.
CREATE TABLE call_records (
  id               BIGINT        NOT NULL AUTO_INCREMENT,
  call_id          VARCHAR(255)  NOT NULL,
  caller           VARCHAR(255)  NOT NULL,
  callee           VARCHAR(255)  NOT NULL,
  source           VARCHAR(128)  NOT NULL,
  route            VARCHAR(255)  NOT NULL,
  start_time       BIGINT        NOT NULL,
  answer_time      BIGINT,
  end_time         BIGINT,
  duration_seconds BIGINT,
  outcome          VARCHAR(16)   NOT NULL,
  status           INT           NOT NULL,
  end_reason       VARCHAR(64),
  media_stats      TEXT,
  CONSTRAINT pk_call_records PRIMARY KEY (id)
);
CREATE INDEX ix_call_records_call_id ON call_records (call_id);
CREATE INDEX ix_call_records_caller ON call_records (caller, start_time);
CREATE INDEX ix_call_records_callee ON call_records (callee, start_time);
CREATE INDEX ix_call_records_start ON call_records (start_time);
