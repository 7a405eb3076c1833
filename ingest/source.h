/* source.h: the bytes of one blob, from a file, standard input or a
 * backend that pulls them from elsewhere (a blob in a storage account,
 * azblob.h), gzip or plain. Gzip is recognised by content (the 1f 8b magic), not by name; zlib's
 * gzread passes plain files through unchanged, so the rest of the pipeline
 * sees JSON text either way. A gzip stream that breaks off or is corrupt is
 * an error with the compressed offset where it happened. */
#ifndef NSGFLOW_SOURCE_H
#define NSGFLOW_SOURCE_H

#include <stddef.h>
#include <stdint.h>

typedef struct source source;

/* Opens path, or standard input when path is "-". NULL on failure, with a
 * one-line reason in err. Close with source_close. */
source *source_open(const char *path, char *err, size_t errlen);
void source_close(source *s);

/* A source of bytes that are not a file: read gives up to n bytes (0 at
 * the end, -1 on failure, then error says why). Gzip is recognised by its
 * magic and inflated here, as gzread does for files (members one after
 * another; what follows the last is ignored). The backend stays the
 * caller's to close. */
struct source_backend {
    long (*read)(void *ctx, unsigned char *buf, size_t n);
    const char *(*error)(void *ctx);
    void *ctx;
};
source *source_open_backend(const struct source_backend *be, char *err, size_t errlen);

/* 1 when the read that failed failed in the backend (a download that
 * broke off), not in the data. */
int source_transport_failed(const source *s);

/* Reads up to n bytes of content. Returns the count, 0 at the end, or -1 on
 * an error (then source_error() says what). */
long source_read(source *s, unsigned char *buf, size_t n);

const char *source_error(const source *s);

/* 1 when the content was gzip (known after the first read). */
int source_is_gzip(const source *s);

/* Bytes of the file (compressed, for gzip) consumed so far. */
uint64_t source_raw_offset(const source *s);

/* 1 when the file at path starts with the gzip magic. */
int file_has_gzip_magic(const char *path);

/* A blob's content fingerprint: CRC-32 and length of its JSON text, the
 * same for a blob and its gzipped copy. */
struct fingerprint {
    uint32_t crc;
    uint64_t length;
};
void fingerprint_init(struct fingerprint *f);
void fingerprint_add(struct fingerprint *f, const unsigned char *buf, size_t n);
/* "crc32:1a2b3c4d:length" into out (at least 40 bytes). */
void fingerprint_text(const struct fingerprint *f, char *out, size_t outlen);

/* Reads the whole content of path and writes its fingerprint text into out.
 * Returns 0, or -1 when it cannot be read to the end. */
int fingerprint_file(const char *path, char *out, size_t outlen);

#endif
