// SPDX-License-Identifier: GPL-2.0
/*
 * Algorithm table, digest-string parsing and TCG record serialisation.
 * Everything here is a pure function of its arguments.
 */

#include <linux/ctype.h>
#include <linux/export.h>
#include <linux/kernel.h>
#include <linux/math.h>
#include <linux/string.h>
#include <linux/tpm.h>

#include "compat.h"
#include "tsm-rtmr-core.h"

/*
 * What the kernel has no table for: which TPM algorithm is which of
 * hash_info's, and the name of each in the ABI (TCG's, which for SM3 is
 * not hash_algo_name[]'s). Digest sizes and crypto API names are
 * hash_info's.
 */
static const struct tsm_rtmr_alg_info tsm_rtmr_algs[] = {
	{ TPM_ALG_SHA1,		HASH_ALGO_SHA1,		"sha1" },
	{ TPM_ALG_SHA256,	HASH_ALGO_SHA256,	"sha256" },
	{ TPM_ALG_SHA384,	HASH_ALGO_SHA384,	"sha384" },
	{ TPM_ALG_SHA512,	HASH_ALGO_SHA512,	"sha512" },
	{ TPM_ALG_SM3_256,	HASH_ALGO_SM3_256,	"sm3_256" },
};

/**
 * tsm_rtmr_alg_by_id() - look up an algorithm the log can carry
 * @alg_id: TPM algorithm identifier (TPM_ALG_*)
 *
 * Return: the algorithm, or NULL when tsm-rtmr does not know it.
 */
const struct tsm_rtmr_alg_info *tsm_rtmr_alg_by_id(u16 alg_id)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(tsm_rtmr_algs); i++)
		if (tsm_rtmr_algs[i].alg_id == alg_id)
			return &tsm_rtmr_algs[i];
	return NULL;
}
EXPORT_SYMBOL_GPL(tsm_rtmr_alg_by_id);

/**
 * tsm_rtmr_alg_by_name() - look up an algorithm by its ABI name
 * @name: "sha1", "sha256", "sha384", "sha512" or "sm3_256"; need not be
 *	NUL-terminated
 * @len: bytes in @name
 *
 * Return: the algorithm, or NULL when no algorithm has that name.
 */
const struct tsm_rtmr_alg_info *tsm_rtmr_alg_by_name(const char *name,
						     size_t len)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(tsm_rtmr_algs); i++)
		if (strlen(tsm_rtmr_algs[i].name) == len &&
		    !memcmp(tsm_rtmr_algs[i].name, name, len))
			return &tsm_rtmr_algs[i];
	return NULL;
}
EXPORT_SYMBOL_GPL(tsm_rtmr_alg_by_name);

static int bank_of(const struct tsm_rtmr_alg_info *const *algs,
		   unsigned int nr_algs, const struct tsm_rtmr_alg_info *alg)
{
	unsigned int i;

	for (i = 0; i < nr_algs; i++)
		if (algs[i] == alg)
			return i;
	return -EINVAL;
}

/* One "alg:hex" (or bare "hex") token; returns its bank or -EINVAL. */
static int parse_token(const struct tsm_rtmr_alg_info *const *algs,
		       unsigned int nr_algs, const char *tok, size_t len,
		       u8 *digests)
{
	const char *colon = memchr(tok, ':', len);
	const struct tsm_rtmr_alg_info *alg;
	unsigned int off = 0, size;
	int bank, i;

	if (colon) {
		alg = tsm_rtmr_alg_by_name(tok, colon - tok);
		if (!alg)
			return -EINVAL;
		bank = bank_of(algs, nr_algs, alg);
		if (bank < 0)
			return -EINVAL;
		len -= colon + 1 - tok;
		tok = colon + 1;
	} else {
		/* A bare digest is only unambiguous with a single bank. */
		if (nr_algs != 1)
			return -EINVAL;
		bank = 0;
	}

	size = tsm_rtmr_alg_size(algs[bank]);
	if (len != 2 * size)
		return -EINVAL;
	for (i = 0; i < bank; i++)
		off += tsm_rtmr_alg_size(algs[i]);
	if (hex2bin(digests + off, tok, size))
		return -EINVAL;
	return bank;
}

/**
 * tsm_rtmr_parse_digests() - parse the text written to a handle's digest
 * @algs: the provider's algorithms, bank order
 * @nr_algs: number of @algs
 * @buf: whitespace-separated "alg:hex" tokens, each algorithm exactly once
 * @len: bytes in @buf (not NUL-terminated)
 * @digests: out: digests concatenated in bank order
 *
 * Return: 0, or -EINVAL for any malformed, unknown, missing or repeated
 * algorithm or a digest of the wrong length.
 */
int tsm_rtmr_parse_digests(const struct tsm_rtmr_alg_info *const *algs,
			   unsigned int nr_algs, const char *buf, size_t len,
			   u8 *digests)
{
	unsigned long seen = 0;
	size_t pos = 0, start;
	int bank;

	while (pos < len) {
		if (isspace(buf[pos])) {
			pos++;
			continue;
		}
		start = pos;
		while (pos < len && !isspace(buf[pos]))
			pos++;
		bank = parse_token(algs, nr_algs, buf + start, pos - start,
				   digests);
		if (bank < 0 || (seen & BIT(bank)))
			return -EINVAL;
		seen |= BIT(bank);
	}
	return seen == GENMASK(nr_algs - 1, 0) ? 0 : -EINVAL;
}

/* TCG_PCR_EVENT2: pcrIndex, eventType, TPML_DIGEST_VALUES, eventSize, event */
size_t tsm_rtmr_record_size(const struct tsm_rtmr_dev *dev, size_t event_len)
{
	return 4 + 4 + 4 + 2 * dev->nr_algs + dev->digests_size + 4 +
	       event_len;
}

/*
 * Everything of a record but its event data (pcrIndex to eventSize), at
 * most TSM_RTMR_RECORD_HEAD_MAX bytes; returns its size.
 */
size_t tsm_rtmr_build_record_head(const struct tsm_rtmr_dev *dev,
				  const struct tsm_rtmr_entry *e, u8 *head)
{
	const u8 *digest = e->digests;
	u8 *p = head + 12;
	unsigned int i;

	put_unaligned_le32(e->index + dev->log_index_offset, head);
	put_unaligned_le32(e->event_type, head + 4);
	put_unaligned_le32(dev->nr_algs, head + 8);
	for (i = 0; i < dev->nr_algs; i++) {
		unsigned int size = tsm_rtmr_alg_size(dev->algs[i]);

		put_unaligned_le16(dev->algs[i]->alg_id, p);
		memcpy(p + 2, digest, size);
		p += 2 + size;
		digest += size;
	}
	put_unaligned_le32(e->event_len, p);
	return p + 4 - head;
}

void tsm_rtmr_build_record(const struct tsm_rtmr_dev *dev,
			   const struct tsm_rtmr_entry *e, u8 *rec)
{
	size_t head = tsm_rtmr_build_record_head(dev, e, rec);

	if (e->event_len)
		memcpy(rec + head, e->event, e->event_len);
}

#define SPEC_ID_SIGNATURE	"Spec ID Event03"	/* 16 bytes with NUL */
#define SPEC_ID_FIXED_SIZE	(16 + 4 + 4 * 1 + 4)	/* up to numberOfAlgs */
#define HEADER_FIXED_SIZE	(4 + 4 + 20 + 4)	/* SHA-1 format event */

static size_t spec_id_size(unsigned int nr_algs)
{
	return SPEC_ID_FIXED_SIZE + 4 * nr_algs + 1;
}

size_t tsm_rtmr_header_size(unsigned int nr_algs)
{
	return HEADER_FIXED_SIZE + spec_id_size(nr_algs);
}

/*
 * TCG_PCClientPCREvent (PCR 0, EV_NO_ACTION, zero SHA-1 digest) carrying a
 * TCG_EfiSpecIDEvent: PC Client platform class, spec 2.0 errata 2, uintnSize
 * 2 (UINT64), the provider's algorithms, no vendor info.
 */
void tsm_rtmr_build_header(const struct tsm_rtmr_alg_info *const *algs,
			   unsigned int nr_algs, u8 *hdr)
{
	unsigned int i;

	memset(hdr, 0, tsm_rtmr_header_size(nr_algs));
	put_unaligned_le32(TSM_RTMR_EV_NO_ACTION, hdr + 4);
	put_unaligned_le32(spec_id_size(nr_algs), hdr + 28);
	hdr += HEADER_FIXED_SIZE;
	memcpy(hdr, SPEC_ID_SIGNATURE, sizeof(SPEC_ID_SIGNATURE));
	/* platformClass 0 at 16; minor 0, major 2, errata 2, uintnSize 2 */
	hdr[21] = 2;
	hdr[22] = 2;
	hdr[23] = 2;
	put_unaligned_le32(nr_algs, hdr + 24);
	for (i = 0; i < nr_algs; i++) {
		put_unaligned_le16(algs[i]->alg_id, hdr + 28 + 4 * i);
		put_unaligned_le16(tsm_rtmr_alg_size(algs[i]),
				   hdr + 30 + 4 * i);
	}
	/* vendorInfoSize 0: already zero */
}

/*
 * An ascii_event_log line is
 *   "<recnum> <log_index> 0x<type:8> <alg>:<hex>... <event hex or ->\n"
 * and everything up to the event text is its head. The line offsets are
 * indexed at publish time, without formatting the line, so the length
 * below and the formatter share the one format of the numbers; every
 * other part of the head has a width fixed by the provider's algorithms.
 */
#define ASCII_NUMBERS_FMT	"%llu %u 0x%08x"

static size_t ascii_digests_len(const struct tsm_rtmr_dev *dev)
{
	size_t len = 0;
	unsigned int i;

	for (i = 0; i < dev->nr_algs; i++)
		len += 1 + strlen(dev->algs[i]->name) + 1 +
		       2 * tsm_rtmr_alg_size(dev->algs[i]);
	return len;
}

/* The numbers that open a line; @buf holds TSM_RTMR_ASCII_NUMBERS_MAX. */
size_t tsm_rtmr_ascii_numbers(char *buf, u64 recnum, u32 log_index,
			      u32 event_type)
{
	return sprintf(buf, ASCII_NUMBERS_FMT, recnum, log_index, event_type);
}

size_t tsm_rtmr_ascii_line_len(const struct tsm_rtmr_dev *dev, u64 recnum,
			       u32 log_index, size_t event_len)
{
	size_t head = snprintf(NULL, 0, ASCII_NUMBERS_FMT, recnum, log_index,
			       0) + ascii_digests_len(dev) + 1;

	return head + (event_len ? 2 * event_len : 1) + 1;
}

/**
 * tsm_rtmr_format_ascii() - render a record as its whole ascii line
 * @dev: the provider's device (for its algorithms)
 * @recnum: the record's number
 * @rec: the record's bytes
 * @line: out: at least tsm_rtmr_ascii_line_len() + 1 bytes; not terminated
 *
 * The reference rendering, which KUnit checks against the length above;
 * ascii_event_log streams the same line piece by piece (securityfs.c).
 *
 * Return: the line's length, newline included.
 */
size_t tsm_rtmr_format_ascii(const struct tsm_rtmr_dev *dev, u64 recnum,
			     const u8 *rec, char *line)
{
	u32 event_len = get_unaligned_le32(rec + tsm_rtmr_record_size(dev, 0) -
					   4);
	char *p = line;
	unsigned int i;

	p += tsm_rtmr_ascii_numbers(p, recnum, get_unaligned_le32(rec),
				    get_unaligned_le32(rec + 4));
	rec += 12;
	for (i = 0; i < dev->nr_algs; i++) {
		unsigned int size = tsm_rtmr_alg_size(dev->algs[i]);

		p += sprintf(p, " %s:", dev->algs[i]->name);
		p = bin2hex(p, rec + 2, size);
		rec += 2 + size;
	}
	*p++ = ' ';
	rec += 4;
	if (event_len)
		p = bin2hex(p, rec, event_len);
	else
		*p++ = '-';
	*p++ = '\n';
	return p - line;
}
