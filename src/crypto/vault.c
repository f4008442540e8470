/*
 * vault: AES-256-GCM with rotating master keys (see vault.h).
 */
#include "crypto/vault.h"
#include "crypto/crypto.h"
#include "util/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define VERSION   1
#define NONCE_LEN 12
#define TAG_LEN   16
#define HEAD_LEN  (1 + 4 + NONCE_LEN)

struct key {
    uint32_t id;
    unsigned char k[32];
};

struct vault {
    pthread_mutex_t mu;
    struct key keys[VAULT_MAX_KEYS];
    size_t nkeys; /* keys[nkeys-1] is current */
    char *path;   /* NULL when the keys came from the environment */
    struct timespec mtime;
    int64_t checked_ns; /* when refresh_soon() last looked (CLOCK_MONOTONIC) */
};

/* Parses "<id> <hex>" lines (or "id:hex,id:hex" / "hex" for env) into keys. */
static bool parse_keys(const char *text, bool env, struct key *keys, size_t *n, char *err,
                       size_t errlen)
{
    *n = 0;
    const char *p = text;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == ',')
            p++;
        if (!*p)
            break;
        if (*p == '#') {
            while (*p && *p != '\n')
                p++;
            continue;
        }
        char idbuf[16] = "1", hex[65];
        const char *sep = env ? strchr(p, ':') : strchr(p, ' ');
        const char *end = p + strcspn(p, env ? ",\n" : "\n");
        if (sep && sep < end) {
            size_t il = (size_t)(sep - p);
            if (il >= sizeof(idbuf))
                goto bad;
            memcpy(idbuf, p, il);
            idbuf[il] = '\0';
            p = sep + 1;
        } else if (!env) {
            goto bad;
        }
        size_t hl = (size_t)(end - p);
        while (hl && (p[hl - 1] == ' ' || p[hl - 1] == '\r'))
            hl--;
        if (hl != 64 || *n == VAULT_MAX_KEYS)
            goto bad;
        memcpy(hex, p, 64);
        hex[64] = '\0';
        char *e = NULL;
        unsigned long id = strtoul(idbuf, &e, 10);
        if (*e || id == 0 || id > 0xffffffffUL || !crypto_unhex(hex, keys[*n].k, 32))
            goto bad;
        keys[*n].id = (uint32_t)id;
        (*n)++;
        p = end;
    }
    if (*n == 0)
        goto bad;
    return true;
bad:
    snprintf(err, errlen,
             env ? "SOCIALD_MASTER_KEY must be 64 hex characters, or id:hex pairs separated by "
                   "commas"
                 : "master key file: each line must be '<id> <64 hex characters>'");
    return false;
}

static bool write_file(const char *path, const struct key *keys, size_t n, char *err, size_t errlen)
{
    size_t plen = strlen(path) + 8;
    char *tmp = mem_malloc(plen);
    snprintf(tmp, plen, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    bool ok = fd >= 0;
    FILE *f = ok ? fdopen(fd, "w") : NULL;
    if (f) {
        fprintf(f, "# sociald master keys: '<id> <hex>'; the last line is current. Keep this "
                   "file secret and backed up.\n");
        for (size_t i = 0; i < n; i++) {
            char hex[65];
            crypto_hex(keys[i].k, 32, hex);
            fprintf(f, "%u %s\n", keys[i].id, hex);
            OPENSSL_cleanse(hex, sizeof(hex));
        }
        ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
        ok = fclose(f) == 0 && ok;
    } else if (fd >= 0) {
        close(fd);
        ok = false;
    }
    ok = ok && rename(tmp, path) == 0;
    if (!ok) {
        snprintf(err, errlen, "cannot write master key file %s: %s", path, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    return ok;
}

static bool read_file(struct vault *v, char *err, size_t errlen)
{
    FILE *f = fopen(v->path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot read master key file %s: %s", v->path, strerror(errno));
        return false;
    }
    char text[8192];
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    text[n] = '\0';
    struct stat sb;
    if (fstat(fileno(f), &sb) == 0)
        v->mtime = sb.st_mtim;
    fclose(f);
    struct key keys[VAULT_MAX_KEYS];
    size_t nk;
    bool ok = parse_keys(text, false, keys, &nk, err, errlen);
    if (ok) {
        memcpy(v->keys, keys, sizeof(keys));
        v->nkeys = nk;
    }
    OPENSSL_cleanse(text, sizeof(text));
    OPENSSL_cleanse(keys, sizeof(keys));
    return ok;
}

/* Re-reads the key file when it changed (another process rotated). */
static void refresh(struct vault *v)
{
    if (!v->path)
        return;
    struct stat sb;
    if (stat(v->path, &sb) != 0)
        return;
    if (sb.st_mtim.tv_sec == v->mtime.tv_sec && sb.st_mtim.tv_nsec == v->mtime.tv_nsec)
        return;
    char err[256];
    read_file(v, err, sizeof(err)); /* on failure the keys held stay */
}

bool vault_path_private(const char *path, const char *what, char *err, size_t errlen)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        snprintf(err, errlen, "cannot read %s %s: %s", what, path, strerror(errno));
        return false;
    }
    if (sb.st_mode & 077) {
        snprintf(err, errlen, "%s %s is open to group or others (mode %04o): run chmod %s %s", what,
                 path, (unsigned)(sb.st_mode & 07777), S_ISDIR(sb.st_mode) ? "700" : "600", path);
        return false;
    }
    return true;
}

/*
 * Sealing re-checks the key file at most once a millisecond: a stat() per
 * seal was most of what sealing a token cost (the seed command seals a
 * million), and a ciphertext made under the previous key up to 1 ms after a
 * rotation is no different from one made just before it. Opening, adding
 * and retiring keys always look.
 */
static void refresh_soon(struct vault *v)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
    if (v->checked_ns && ns - v->checked_ns < 1000000)
        return;
    v->checked_ns = ns;
    refresh(v);
}

struct vault *vault_open(const char *data_dir, const char *env, char *err, size_t errlen)
{
    struct vault *v = mem_calloc(1, sizeof(*v));
    pthread_mutex_init(&v->mu, NULL);
    if (env && *env) {
        if (!parse_keys(env, true, v->keys, &v->nkeys, err, errlen))
            goto fail;
        return v;
    }
    size_t plen = strlen(data_dir) + sizeof("/master.key");
    v->path = mem_malloc(plen);
    snprintf(v->path, plen, "%s/master.key", data_dir);
    if (access(v->path, F_OK) != 0) {
        struct key k = {1, {0}};
        crypto_random(k.k, 32);
        /* O_EXCL: two processes starting together must not both create. */
        int fd = open(v->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0) {
            close(fd);
            if (!write_file(v->path, &k, 1, err, errlen))
                goto fail;
        }
        OPENSSL_cleanse(&k, sizeof(k));
    }
    if (!vault_path_private(v->path, "master key file", err, errlen))
        goto fail;
    if (!read_file(v, err, errlen))
        goto fail;
    return v;
fail:
    vault_free(v);
    return NULL;
}

void vault_free(struct vault *v)
{
    if (!v)
        return;
    OPENSSL_cleanse(v->keys, sizeof(v->keys));
    pthread_mutex_destroy(&v->mu);
    free(v->path);
    free(v);
}

uint32_t vault_current(struct vault *v)
{
    pthread_mutex_lock(&v->mu);
    refresh_soon(v);
    uint32_t id = v->keys[v->nkeys - 1].id;
    pthread_mutex_unlock(&v->mu);
    return id;
}

size_t vault_key_ids(struct vault *v, uint32_t *ids)
{
    pthread_mutex_lock(&v->mu);
    refresh(v);
    for (size_t i = 0; i < v->nkeys; i++)
        ids[i] = v->keys[i].id;
    size_t n = v->nkeys;
    pthread_mutex_unlock(&v->mu);
    return n;
}

uint32_t vault_key_of(const void *blob, size_t n)
{
    const unsigned char *b = blob;
    if (!b || n < HEAD_LEN + TAG_LEN || b[0] != VERSION)
        return 0;
    return (uint32_t)b[1] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 8 | b[4];
}

/* AES-256-GCM, fetched from the provider once: EVP_aes_256_gcm() makes
 * OpenSSL 3 look the implementation up again on every init, which costs
 * more than sealing a token (the seed command seals a million). */
static EVP_CIPHER *gcm_fetched;
static pthread_once_t gcm_once = PTHREAD_ONCE_INIT;

static void gcm_fetch(void)
{
    gcm_fetched = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
}

static const EVP_CIPHER *gcm(void)
{
    pthread_once(&gcm_once, gcm_fetch);
    return gcm_fetched ? gcm_fetched : EVP_aes_256_gcm();
}

unsigned char *vault_seal(struct vault *v, const void *plain, size_t n, const char *aad,
                          size_t *outlen)
{
    struct key k;
    pthread_mutex_lock(&v->mu);
    refresh_soon(v);
    k = v->keys[v->nkeys - 1];
    pthread_mutex_unlock(&v->mu);

    size_t total = HEAD_LEN + n + TAG_LEN;
    unsigned char *out = mem_malloc(total);
    out[0] = VERSION;
    out[1] = (unsigned char)(k.id >> 24);
    out[2] = (unsigned char)(k.id >> 16);
    out[3] = (unsigned char)(k.id >> 8);
    out[4] = (unsigned char)k.id;
    crypto_random(out + 5, NONCE_LEN);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int len = 0, ok = ctx != NULL;
    ok = ok && EVP_EncryptInit_ex(ctx, gcm(), NULL, NULL, NULL) == 1;
    ok = ok && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) == 1;
    ok = ok && EVP_EncryptInit_ex(ctx, NULL, NULL, k.k, out + 5) == 1;
    ok =
        ok && EVP_EncryptUpdate(ctx, NULL, &len, (const unsigned char *)aad, (int)strlen(aad)) == 1;
    ok = ok && EVP_EncryptUpdate(ctx, out + HEAD_LEN, &len, plain, (int)n) == 1;
    ok = ok && EVP_EncryptFinal_ex(ctx, out + HEAD_LEN + len, &len) == 1;
    ok = ok && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, out + HEAD_LEN + n) == 1;
    EVP_CIPHER_CTX_free(ctx);
    OPENSSL_cleanse(&k, sizeof(k));
    if (!ok) {
        fprintf(stderr, "{\"level\":\"fatal\",\"msg\":\"AES-GCM encryption failed\"}\n");
        abort();
    }
    *outlen = total;
    return out;
}

char *vault_unseal(struct vault *v, const void *blob, size_t n, const char *aad, size_t *outlen)
{
    const unsigned char *b = blob;
    uint32_t id = vault_key_of(blob, n);
    if (!id || n > (size_t)1 << 30)
        return NULL;
    struct key k;
    bool found = false;
    pthread_mutex_lock(&v->mu);
    refresh(v);
    for (size_t i = 0; i < v->nkeys; i++)
        if (v->keys[i].id == id) {
            k = v->keys[i];
            found = true;
        }
    pthread_mutex_unlock(&v->mu);
    if (!found)
        return NULL;
    size_t plen = n - HEAD_LEN - TAG_LEN;
    char *out = mem_malloc(plen + 1);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int len = 0, ok = ctx != NULL;
    ok = ok && EVP_DecryptInit_ex(ctx, gcm(), NULL, NULL, NULL) == 1;
    ok = ok && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) == 1;
    ok = ok && EVP_DecryptInit_ex(ctx, NULL, NULL, k.k, b + 5) == 1;
    ok =
        ok && EVP_DecryptUpdate(ctx, NULL, &len, (const unsigned char *)aad, (int)strlen(aad)) == 1;
    ok = ok && EVP_DecryptUpdate(ctx, (unsigned char *)out, &len, b + HEAD_LEN, (int)plen) == 1;
    ok = ok && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN,
                                   (void *)(uintptr_t)(b + HEAD_LEN + plen)) == 1;
    ok = ok && EVP_DecryptFinal_ex(ctx, (unsigned char *)out + len, &len) == 1;
    EVP_CIPHER_CTX_free(ctx);
    OPENSSL_cleanse(&k, sizeof(k));
    if (!ok) {
        vault_wipe(out, plen + 1);
        return NULL;
    }
    out[plen] = '\0';
    *outlen = plen;
    return out;
}

void vault_wipe(char *plain, size_t n)
{
    if (!plain)
        return;
    OPENSSL_cleanse(plain, n);
    free(plain);
}

bool vault_add_key(struct vault *v, uint32_t *new_id, char *err, size_t errlen)
{
    if (!v->path) {
        snprintf(err, errlen,
                 "the master keys come from SOCIALD_MASTER_KEY: add a new id:hex "
                 "pair at its end in every process's environment instead");
        return false;
    }
    pthread_mutex_lock(&v->mu);
    refresh(v);
    bool ok = v->nkeys < VAULT_MAX_KEYS;
    if (!ok)
        snprintf(err, errlen, "the key file already holds %d keys; retire old ones first",
                 VAULT_MAX_KEYS);
    if (ok) {
        uint32_t max = 0;
        for (size_t i = 0; i < v->nkeys; i++)
            max = v->keys[i].id > max ? v->keys[i].id : max;
        struct key keys[VAULT_MAX_KEYS];
        memcpy(keys, v->keys, sizeof(keys));
        keys[v->nkeys].id = max + 1;
        crypto_random(keys[v->nkeys].k, 32);
        ok = write_file(v->path, keys, v->nkeys + 1, err, errlen);
        if (ok) {
            *new_id = max + 1;
            ok = read_file(v, err, errlen);
        }
        OPENSSL_cleanse(keys, sizeof(keys));
    }
    pthread_mutex_unlock(&v->mu);
    return ok;
}

bool vault_retire_keys(struct vault *v, const uint32_t *keep, size_t nkeep, char *err,
                       size_t errlen)
{
    if (!v->path)
        return true;
    pthread_mutex_lock(&v->mu);
    refresh(v);
    struct key keys[VAULT_MAX_KEYS];
    size_t n = 0;
    for (size_t i = 0; i < v->nkeys; i++) {
        bool k = i == v->nkeys - 1;
        for (size_t j = 0; j < nkeep; j++)
            k = k || keep[j] == v->keys[i].id;
        if (k)
            keys[n++] = v->keys[i];
    }
    bool ok = write_file(v->path, keys, n, err, errlen) && read_file(v, err, errlen);
    OPENSSL_cleanse(keys, sizeof(keys));
    pthread_mutex_unlock(&v->mu);
    return ok;
}
