-- Photos grid workers took of a ticket's place (issue 14): kept with the ticket, known by the
-- SHA-256 (hex) of the bytes kept, which is the ref a feedback names. A HEIC photo is kept as the
-- JPEG it was converted to. Times are UTC milliseconds.
CREATE TABLE ticket_photos (
    ticket_id    INTEGER NOT NULL REFERENCES tickets (id),
    sha256       TEXT NOT NULL,
    content_type TEXT NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
    size_bytes   INTEGER NOT NULL,
    width        INTEGER NOT NULL,
    height       INTEGER NOT NULL,
    uploaded_as  TEXT NOT NULL,
    uploaded_by  TEXT NOT NULL,
    uploaded_at  INTEGER NOT NULL,
    image        BLOB NOT NULL,
    PRIMARY KEY (ticket_id, sha256)
);
