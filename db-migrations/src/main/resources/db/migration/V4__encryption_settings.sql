-- How every service turns a CREDENTIAL_ENCRYPTION_KEY passphrase into the AES key (service-support SealedSecrets):
-- Argon2id with this salt and these parameters. One row, made here with a random salt, so the API and the runners
-- of a deployment derive the same key and a precomputed table of passphrases fits only this database. Not secret
-- (the salt only has to be unique), but losing the row makes every passphrase-sealed secret unreadable: it belongs in
-- the same backups as the secrets. A 32-byte key in base64 needs no derivation and ignores the row.
CREATE TABLE encryption_settings (
    id            boolean PRIMARY KEY DEFAULT true CHECK (id),
    kdf           text NOT NULL CHECK (kdf = 'argon2id'),
    salt          bytea NOT NULL CHECK (length(salt) BETWEEN 16 AND 64),
    -- OWASP's Argon2id minimum (19 MiB, 2 passes, 1 lane): once per process, 0.3-0.4 s of CPU in a fresh JVM
    memory_kib    integer NOT NULL CHECK (memory_kib BETWEEN 8192 AND 131072),
    iterations    integer NOT NULL CHECK (iterations BETWEEN 1 AND 16),
    parallelism   integer NOT NULL CHECK (parallelism BETWEEN 1 AND 8),
    -- Set by the API once no value of the v1 format (unsalted SHA-256 key, associated data without the row) is left;
    -- from then on a v1 value is refused, so one copied before the migration cannot be replayed into a row.
    v1_retired_at timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- 32 bytes from Postgres's strong random source (gen_random_uuid uses pg_strong_random; 244 random bits).
INSERT INTO encryption_settings (kdf, salt, memory_kib, iterations, parallelism)
VALUES ('argon2id', uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()), 19456, 2, 1);
