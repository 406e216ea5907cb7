-- SIP registrations (the registrar's location table), so UDP phones stay reachable across a restart.
-- Only bindings over UDP are stored: TCP/TLS/WebSocket bindings die with their connection. The registrar works
-- from memory; this table is written behind it and read once at startup. Times are epoch milliseconds.
CREATE TABLE sip_location (
  number          VARCHAR(32)   NOT NULL,
  binding_key     CHAR(64)      NOT NULL,
  contact_uri     VARCHAR(1024) NOT NULL,
  instance_id     VARCHAR(255),
  reg_id          INT           NOT NULL,
  call_id         VARCHAR(255)  NOT NULL,
  cseq            BIGINT        NOT NULL,
  expires_at      BIGINT        NOT NULL,
  flow_id         VARCHAR(255),
  transport       VARCHAR(8)    NOT NULL,
  source_host     VARCHAR(64)   NOT NULL,
  source_port     INT           NOT NULL,
  user_agent      VARCHAR(255),
  registered_at   BIGINT        NOT NULL,
  q               DOUBLE PRECISION NOT NULL,
  CONSTRAINT pk_sip_location PRIMARY KEY (number, binding_key)
);
CREATE INDEX ix_sip_location_expires ON sip_location (expires_at);
