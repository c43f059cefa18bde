-- The same table as ../sqlite/0008_ticket_photos.sql in PostgreSQL types.
CREATE TABLE ticket_photos (
    ticket_id    BIGINT NOT NULL REFERENCES tickets (id),
    sha256       TEXT NOT NULL,
    content_type TEXT NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
    size_bytes   BIGINT NOT NULL,
    width        BIGINT NOT NULL,
    height       BIGINT NOT NULL,
    uploaded_as  TEXT NOT NULL,
    uploaded_by  TEXT NOT NULL,
    uploaded_at  BIGINT NOT NULL,
    image        BYTEA NOT NULL,
    PRIMARY KEY (ticket_id, sha256)
);
