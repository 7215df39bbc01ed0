/*
 * tls.c: the server side of STARTTLS (RFC 3207) on the SMTP listeners.
 *
 * kringd's sockets stay non-blocking and libevent still waits on the
 * file descriptor; OpenSSL only turns bytes into records.  So a read or
 * write may need the other direction first (a handshake message to send
 * while reading, say): tls_recv and tls_send say so in the session's
 * tls_want flags, and session_io.c waits for that event instead.
 */
#include <errno.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "session.h"
#include "kring/log.h"

#define TLS_RECORD_MAX 16384	/* plaintext bytes in one TLS record */

/* The newest OpenSSL error as text, into BUF. */
static const char *
tls_error(char *buf, size_t len)
{
	unsigned long e = ERR_get_error();

	if (e == 0)
		g_strlcpy(buf, "no reason given", len);
	else
		ERR_error_string_n(e, buf, len);
	ERR_clear_error();
	return buf;
}

/* Log the protocol and cipher once the handshake is done. */
static void
tls_info(const SSL *ssl, int where, int ret)
{
	struct session *s = SSL_get_app_data(ssl);

	if ((where & SSL_CB_HANDSHAKE_DONE) && s != NULL)
		log_info("STARTTLS from %s: %s %s", s->client,
		    SSL_get_version(ssl), SSL_get_cipher_name(ssl));
}

int
tls_server_load(const struct kring_config *conf, SSL_CTX **out, char *err,
    size_t errlen)
{
	char why[256];
	SSL_CTX *ctx;

	*out = NULL;
	if (conf->tls_cert_file == NULL)
		return 0;
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		snprintf(err, errlen, "STARTTLS: %s", tls_error(why, sizeof why));
		return -1;
	}
	if (SSL_CTX_use_certificate_chain_file(ctx, conf->tls_cert_file) != 1) {
		snprintf(err, errlen, "%s:%d: tls_cert_file: %s: %s", conf->path,
		    conf->tls_cert_line, conf->tls_cert_file,
		    tls_error(why, sizeof why));
	} else if (SSL_CTX_use_PrivateKey_file(ctx, conf->tls_key_file,
	    SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
		/* OpenSSL compares the key with the certificate as it loads. */
		bool mismatch = ERR_GET_REASON(ERR_peek_last_error()) ==
		    X509_R_KEY_VALUES_MISMATCH;

		snprintf(err, errlen, "%s:%d: tls_key_file: %s: %s", conf->path,
		    conf->tls_key_line, conf->tls_key_file, mismatch ?
		    "not the key of the certificate in tls_cert_file" :
		    tls_error(why, sizeof why));
		ERR_clear_error();
	} else {
		SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
		SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
		    SSL_OP_CIPHER_SERVER_PREFERENCE);
		/* An idle TLS session then holds no 17 KB read buffer. */
		SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS |
		    SSL_MODE_ENABLE_PARTIAL_WRITE |
		    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
		SSL_CTX_set_info_callback(ctx, tls_info);
		*out = ctx;
		return 0;
	}
	SSL_CTX_free(ctx);
	return -1;
}

bool
tls_session_start(struct session *s, SSL_CTX *ctx)
{
	char why[256];

	if ((s->ssl = SSL_new(ctx)) == NULL || SSL_set_fd(s->ssl, s->fd) != 1) {
		log_warnx("STARTTLS from %s: %s", s->client,
		    tls_error(why, sizeof why));
		return false;
	}
	SSL_set_app_data(s->ssl, s);
	SSL_set_accept_state(s->ssl);
	return true;
}

/* After SSL_read or SSL_write gave N <= 0: 0 for the client's close,
 * -1 with errno EAGAIN to wait (the flag of the direction to wait for
 * set), or -1 with EPROTO when the connection is broken. */
static ssize_t
tls_result(struct session *s, int n, const char *op)
{
	char why[256];
	int e = SSL_get_error(s->ssl, n);

	switch (e) {
	case SSL_ERROR_WANT_READ:
		s->tls_want_read = true;
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_WANT_WRITE:
		s->tls_want_write = true;
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_SYSCALL:
		if (ERR_peek_error() == 0) {
			if (n == 0 || errno == 0)
				return 0;	/* EOF without close_notify */
			return -1;		/* errno says why */
		}
		/* FALLTHROUGH */
	default:
		log_info("TLS %s %s %s: %s", SSL_is_init_finished(s->ssl) ?
		    op : "handshake", SSL_is_init_finished(s->ssl) ?
		    "from" : "with", s->client, tls_error(why, sizeof why));
		errno = EPROTO;
		return -1;
	}
}

ssize_t
tls_recv(struct session *s, void *buf, size_t len)
{
	int n;

	if (len > INT_MAX)
		len = INT_MAX;
	ERR_clear_error();
	errno = 0;
	n = SSL_read(s->ssl, buf, (int)len);
	return n > 0 ? n : tls_result(s, n, "read");
}

bool
tls_in_handshake(const struct session *s)
{
	return s->tls_pending ||
	    (s->ssl != NULL && !SSL_is_init_finished(s->ssl));
}

bool
tls_has_pending(const struct session *s)
{
	return s->ssl != NULL && SSL_pending(s->ssl) > 0;
}

int
tls_send(struct session *s, struct evbuffer *out)
{
	size_t len = evbuffer_get_length(out);
	unsigned char *p;
	int n;

	/* A write that had to wait is repeated with the same length. */
	if (s->tls_retry_len > 0 && s->tls_retry_len <= len)
		len = s->tls_retry_len;
	else if (len > TLS_RECORD_MAX)
		len = TLS_RECORD_MAX;
	if ((p = evbuffer_pullup(out, (ev_ssize_t)len)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	ERR_clear_error();
	errno = 0;
	n = SSL_write(s->ssl, p, (int)len);
	if (n > 0) {
		s->tls_retry_len = 0;
		evbuffer_drain(out, (size_t)n);
		return n;
	}
	s->tls_retry_len = len;
	if (tls_result(s, n, "write") == 0)
		errno = EPIPE;		/* closed: nothing more to write */
	return -1;
}

void
tls_session_free(struct session *s)
{
	if (s->ssl == NULL)
		return;
	/* A close_notify as a courtesy; a full socket just skips it. */
	if (SSL_is_init_finished(s->ssl))
		(void)SSL_shutdown(s->ssl);
	SSL_free(s->ssl);
	s->ssl = NULL;
}

void
tls_describe(const struct session *s, char *buf, size_t len)
{
	if (s->ssl == NULL)
		buf[0] = '\0';
	else
		snprintf(buf, len, "\r\n\t(using %s with cipher %s)",
		    SSL_get_version(s->ssl), SSL_get_cipher_name(s->ssl));
}
