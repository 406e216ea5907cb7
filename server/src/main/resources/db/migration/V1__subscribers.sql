-- Subscribers (SIP accounts). Portable SQL: runs unchanged on H2 and MariaDB/MySQL.
-- Passwords are never stored: ha1 = MD5(number:realm:password), ha1_sha256 = SHA-256 of the same (RFC 7616),
-- with realm = DOMAIN at creation time (stored in domain).
CREATE TABLE subscribers (
  number      VARCHAR(32)  NOT NULL,
  domain      VARCHAR(253) NOT NULL,
  ha1         CHAR(32)     NOT NULL,
  ha1_sha256  CHAR(64)     NOT NULL,
  email       VARCHAR(254),
  created_at  TIMESTAMP    NOT NULL DEFAULT CURRENT_TIMESTAMP,
  disabled    BOOLEAN      NOT NULL DEFAULT FALSE,
  CONSTRAINT pk_subscribers PRIMARY KEY (number)
);
