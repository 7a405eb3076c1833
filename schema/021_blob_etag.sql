-- nsgflow database, schema version 21: blobs read straight from a storage
-- account.
--
-- A blob listed in its container comes with its ETag and length; when both
-- are those of the copy stored, the blob is unchanged and is not downloaded
-- again. The columns stay NULL for a blob read from disk (and are filled
-- when the same blob, read from its container later, proves unchanged).
-- Its path is the container URL and blob name, never with a query (a SAS).
ALTER TABLE source_file ADD COLUMN etag TEXT;           -- without quotes
ALTER TABLE source_file ADD COLUMN blob_length INTEGER; -- bytes stored (gzip: compressed)
