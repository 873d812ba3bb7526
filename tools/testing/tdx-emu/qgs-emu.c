// SPDX-License-Identifier: GPL-2.0
/*
 * tsm-rtmr-qgs-emu: the test quoting service of tsm_rtmr_tdx_emu (README.md).
 *
 * No arguments; stays in the foreground until killed. At start it makes an
 * ECDSA P-256 attestation key. Then, for each TD report the emulator hands
 * out through its debugfs file "quote" (a blocking read of the 1024-byte
 * TDREPORT_STRUCT), it writes back a TD quote, version 4, TD 1.0 body,
 * built from that report as Intel's quoting enclave builds one:
 *
 *   header (48)  u16 version 4, u16 attestation key type 2 (ECDSA-256
 *                with P-256), u32 TEE type 0x81 (TDX), u16 QE SVN 0,
 *                u16 PCE SVN 0, QE vendor id "tsm-rtmr-qgs-emu" (16 bytes,
 *                not Intel's), user data 20 zero bytes;
 *   body (584)   TEE_TCB_SVN, MRSEAM, MRSIGNERSEAM, SEAMATTRIBUTES,
 *                TDATTRIBUTES, XFAM, MRTD, MRCONFIGID, MROWNER,
 *                MROWNERCONFIG, RTMR0-3, REPORTDATA, from the TDREPORT;
 *   u32 signature data length, then: ECDSA signature (r || s, 64 bytes,
 *                big-endian) over SHA-256(header || body), the attestation
 *                public key (x || y, 64 bytes), certification data
 *                (u16 type, u32 size, data) of type 0, which no DCAP
 *                verifier accepts, whose data says in ASCII that no QE
 *                report and no PCK certificate chain stand behind the key.
 *
 * The report's MAC is not checked (the emulator has no key); nothing here
 * is evidence of anything but the emulator's registers.
 *
 * Environment: TSM_RTMR_QGS_EMU_QUOTE, the emulator's file (default
 * /sys/kernel/debug/tsm_rtmr_tdx_emu/quote).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>

#define QUOTE_FILE	"/sys/kernel/debug/tsm_rtmr_tdx_emu/quote"

#define REPORT_SIZE	1024
#define HEADER_SIZE	48
#define BODY_SIZE	584
#define CERT_TYPE_NONE	0
static const char cert_note[] =
	"tsm-rtmr-qgs-emu: test quote; no QE report and no PCK certificate chain stand behind this attestation key";

/* TDREPORT_STRUCT offsets (TEE_TCB_INFO at 256, TDINFO at 512) */
#define R_REPORTDATA	128
#define R_TEE_TCB_SVN	(256 + 8)
#define R_MRSEAM	(256 + 24)
#define R_MRSIGNERSEAM	(256 + 72)
#define R_SEAMATTR	(256 + 120)
#define R_TDINFO	512	/* TDATTRIBUTES .. RTMR3: 8 + 8 + 6 * 48 + 4 * 48 */
#define TDINFO_QUOTED	(8 + 8 + 8 * 48)

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v);
	put16(p + 2, v >> 16);
}

static EVP_PKEY *key;
static uint8_t pub[64];

static int key_make(void)
{
	uint8_t point[65];
	size_t len = 0;

	key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (!key ||
	    !EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY,
					     point, sizeof(point), &len) ||
	    len != sizeof(point) || point[0] != 0x04)
		return -1;
	memcpy(pub, point + 1, sizeof(pub));
	return 0;
}

/* ECDSA P-256 with SHA-256 over @msg, as r || s (32 bytes each). */
static int sign(const uint8_t *msg, size_t len, uint8_t *rs)
{
	unsigned char der[80];
	const unsigned char *p = der;
	size_t dlen = sizeof(der);
	const BIGNUM *r, *s;
	ECDSA_SIG *sig = NULL;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;

	ok = ctx && EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) == 1 &&
	     EVP_DigestSign(ctx, der, &dlen, msg, len) == 1 &&
	     (sig = d2i_ECDSA_SIG(NULL, &p, dlen));
	if (ok) {
		ECDSA_SIG_get0(sig, &r, &s);
		ok = BN_bn2binpad(r, rs, 32) == 32 &&
		     BN_bn2binpad(s, rs + 32, 32) == 32;
	}
	ECDSA_SIG_free(sig);
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}

/* The quote of @r into @q; its length, or -1. */
static long quote_make(const uint8_t *r, uint8_t *q)
{
	uint8_t *h = q, *b = q + HEADER_SIZE, *sd;
	size_t certlen = sizeof(cert_note) - 1;
	size_t sdlen = 64 + 64 + 2 + 4 + certlen;

	memset(q, 0, HEADER_SIZE + BODY_SIZE);
	put16(h, 4);				/* version */
	put16(h + 2, 2);			/* ECDSA-256 with P-256 */
	put32(h + 4, 0x81);			/* TEE type: TDX */
	memcpy(h + 12, "tsm-rtmr-qgs-emu", 16);	/* QE vendor id */

	memcpy(b, r + R_TEE_TCB_SVN, 16);
	memcpy(b + 16, r + R_MRSEAM, 48);
	memcpy(b + 64, r + R_MRSIGNERSEAM, 48);
	memcpy(b + 112, r + R_SEAMATTR, 8);
	memcpy(b + 120, r + R_TDINFO, TDINFO_QUOTED);
	memcpy(b + 520, r + R_REPORTDATA, 64);

	put32(q + HEADER_SIZE + BODY_SIZE, sdlen);
	sd = q + HEADER_SIZE + BODY_SIZE + 4;
	if (sign(q, HEADER_SIZE + BODY_SIZE, sd))
		return -1;
	memcpy(sd + 64, pub, 64);
	put16(sd + 128, CERT_TYPE_NONE);
	put32(sd + 130, certlen);
	memcpy(sd + 134, cert_note, certlen);
	return HEADER_SIZE + BODY_SIZE + 4 + sdlen;
}

int main(int argc, char **argv)
{
	const char *path = getenv("TSM_RTMR_QGS_EMU_QUOTE");
	uint8_t report[REPORT_SIZE], quote[4096];
	unsigned long served = 0;
	char hex[129];
	int fd, i;

	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "usage: tsm-rtmr-qgs-emu (no arguments)\n");
		return 2;
	}
	if (!path)
		path = QUOTE_FILE;
	fd = open(path, O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "tsm-rtmr-qgs-emu: %s: %s (is tsm_rtmr_tdx_emu loaded, with configfs-tsm?)\n",
			path, strerror(errno));
		return 1;
	}
	if (key_make()) {
		fprintf(stderr, "tsm-rtmr-qgs-emu: cannot make a P-256 key\n");
		return 1;
	}
	for (i = 0; i < 64; i++)
		sprintf(hex + 2 * i, "%02x", pub[i]);
	printf("tsm-rtmr-qgs-emu: ready, attestation key (x || y) %s\n", hex);
	fflush(stdout);

	for (;;) {
		ssize_t n = read(fd, report, sizeof(report));
		long len;

		if (n < 0 && errno == EINTR)
			continue;
		if (n != REPORT_SIZE) {
			fprintf(stderr, "tsm-rtmr-qgs-emu: read %s: %s\n", path,
				n < 0 ? strerror(errno) : "short report");
			return 1;
		}
		len = quote_make(report, quote);
		if (len < 0) {
			fprintf(stderr, "tsm-rtmr-qgs-emu: signing failed\n");
			return 1;
		}
		/* ESTALE: the request timed out meanwhile; serve the next */
		if (write(fd, quote, len) != len) {
			fprintf(stderr, "tsm-rtmr-qgs-emu: write %s: %s\n", path,
				strerror(errno));
			if (errno != ESTALE)
				return 1;
			continue;
		}
		served++;
		printf("tsm-rtmr-qgs-emu: quote %lu, %ld bytes\n", served, len);
		fflush(stdout);
	}
}
