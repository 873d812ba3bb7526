#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The independent referee of tsm-rtmr's evidence documents (spec 9).

None of the project's code: its own TCG crypto-agile log parser, its own
TD quote version 4 parser and TPMS_ATTEST/TPMT_SIGNATURE parsers, hashlib
for the digests and python3-cryptography for ECDSA and RSA. It checks what
`tsm-rtmr verify` checks, from the published layouts, so that a bug shared
by the CLI's writer and its verifier cannot pass both. It also makes the
tampered and malformed documents run.sh feeds to `tsm-rtmr verify`.

  referee.py check DOC --nonce HEX [--ak-pub PEM]
        every check; exit 0 all pass, 1 a check failed, 2 cannot check
  referee.py tpm-parts DOC DIR
        write DIR/{message,signature,pcrs.values,log.bin} and print the
        quote's PCR selection as tpm2_checkquote -l takes it
  referee.py tdx-parts DOC DIR
        write DIR/combined.bin (the CCEL, then the runtime log's records)
        and DIR/rtmrs.txt (the quote's RTMR n as sha384:<n + 1>:hex)
  referee.py indices DOC [I,I,...]
        TDX: CCEL records at CC index 1-3, runtime records at 3-4 (and
        exactly those, in order)
  referee.py aael DOC TEXT
        the AAEL record of TEXT, built from the published layout, is in
        DOC's log byte for byte
  referee.py tamper KIND IN OUT
        write a tampered or malformed copy of IN (kinds: see TAMPERS)

Exit 2 with one line on stderr when a document does not parse.
"""
import base64
import binascii
import hashlib
import json
import struct
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import \
    encode_dss_signature

EV_NO_ACTION = 0x3
EV_EVENT_TAG = 0x6
EV_IPL = 0xd
AAEL_TAG = 0x4141454c
ALGS = {0x0004: 'sha1', 0x000b: 'sha256', 0x000c: 'sha384',
        0x000d: 'sha512'}
SIZES = {'sha1': 20, 'sha256': 32, 'sha384': 48, 'sha512': 64}
ALG_IDS = {v: k for k, v in ALGS.items()}


class Malformed(Exception):
    """The document or a part of it does not parse: exit 2."""


class Failed(Exception):
    """A check failed: exit 1."""


# ---- TCG crypto-agile log ------------------------------------------------

class Rec:
    """One TCG_PCR_EVENT2 and where it sits in the raw log."""

    def __init__(self, off, end, pcr, etype, digests, event, ev_off,
                 size_off):
        self.off, self.end = off, end
        self.pcr, self.type = pcr, etype
        self.digests = digests          # [(name, bytes)] in log order
        self.event = event
        self.ev_off = ev_off            # offset of the event data
        self.size_off = size_off        # offset of the u32 eventSize

    def digest(self, name):
        for n, d in self.digests:
            if n == name:
                return d
        return None


class Log:
    def __init__(self, raw, header_end, algs, recs):
        self.raw, self.header_end = raw, header_end
        self.algs = algs                # [(name, size)]
        self.recs = recs


def take(raw, off, n, what):
    if n < 0 or off + n > len(raw):
        raise Malformed('%s: %d bytes at offset %d run past the end (%d)'
                        % (what, n, off, len(raw)))
    return raw[off:off + n], off + n


def u32(raw, off, what):
    b, off = take(raw, off, 4, what)
    return struct.unpack('<I', b)[0], off


def u16(raw, off, what):
    b, off = take(raw, off, 2, what)
    return struct.unpack('<H', b)[0], off


def parse_log(raw, trailing_fill=False):
    """Strict: a Spec ID Event03 header, then whole TCG_PCR_EVENT2 records
    each carrying every bank of the header, once. trailing_fill: a firmware
    CCEL may end in 0xff (or zero) fill, which is not a record."""
    off = 0
    pcr, off = u32(raw, off, 'header pcrIndex')
    etype, off = u32(raw, off, 'header eventType')
    _, off = take(raw, off, 20, 'header digest')
    size, off = u32(raw, off, 'header eventSize')
    ev, off = take(raw, off, size, 'header event')
    if pcr != 0 or etype != EV_NO_ACTION or ev[:16] != b'Spec ID Event03\0':
        raise Malformed('log: no Spec ID Event03 header')
    if len(ev) < 28:
        raise Malformed('log: Spec ID event too short')
    nalgs = struct.unpack_from('<I', ev, 24)[0]
    if nalgs == 0 or nalgs > 8 or len(ev) < 28 + 4 * nalgs + 1:
        raise Malformed('log: Spec ID event: %d algorithms' % nalgs)
    algs = []
    for i in range(nalgs):
        aid, asz = struct.unpack_from('<HH', ev, 28 + 4 * i)
        name = ALGS.get(aid)
        if name is None or SIZES[name] != asz:
            raise Malformed('log: algorithm 0x%04x size %d' % (aid, asz))
        algs.append((name, asz))
    vsize = ev[28 + 4 * nalgs]
    if 28 + 4 * nalgs + 1 + vsize != len(ev):
        raise Malformed('log: Spec ID event size')
    header_end = off
    recs = []
    while off < len(raw):
        rest = raw[off:]
        if trailing_fill and (rest == b'\xff' * len(rest) or
                              rest == b'\0' * len(rest)):
            break
        start = off
        pcr, off = u32(raw, off, 'record %d pcrIndex' % len(recs))
        etype, off = u32(raw, off, 'record %d eventType' % len(recs))
        count, off = u32(raw, off, 'record %d digest count' % len(recs))
        if count != len(algs):
            raise Malformed('log: record %d has %d digests, the header %d'
                            % (len(recs), count, len(algs)))
        digests = []
        for name, asz in algs:
            aid, off = u16(raw, off, 'record %d hashAlg' % len(recs))
            if aid != ALG_IDS[name]:
                raise Malformed('log: record %d: digest 0x%04x, want %s'
                                % (len(recs), aid, name))
            d, off = take(raw, off, asz, 'record %d digest' % len(recs))
            digests.append((name, d))
        size_off = off
        size, off = u32(raw, off, 'record %d eventSize' % len(recs))
        ev_off = off
        ev, off = take(raw, off, size, 'record %d event' % len(recs))
        recs.append(Rec(start, off, pcr, etype, digests, ev, ev_off,
                        size_off))
    return Log(raw, header_end, algs, recs)


def extend(alg, old, digest):
    return hashlib.new(alg, old + digest).digest()


def bound(rec):
    """Every digest of the record is the hash of its event data."""
    return all(hashlib.new(n, rec.event).digest() == d
               for n, d in rec.digests)


# ---- TD quote version 4 ----------------------------------------------------

Q_HDR, Q_BODY = 48, 584
Q_SIGNED = Q_HDR + Q_BODY               # 632: header || TD 1.0 body
Q_MRTD = Q_HDR + 136
Q_RTMR0 = Q_HDR + 328
Q_REPORTDATA = Q_HDR + 520


class TdQuote:
    def __init__(self, raw):
        if len(raw) < Q_SIGNED + 4:
            raise Malformed('td_quote: %d bytes, shorter than header, body '
                            'and signature length' % len(raw))
        version, ak_type, tee = struct.unpack_from('<HHI', raw, 0)
        if version != 4:
            raise Malformed('td_quote: version %d (this referee reads 4)'
                            % version)
        if ak_type != 2 or tee != 0x81:
            raise Malformed('td_quote: key type %d, TEE type 0x%x'
                            % (ak_type, tee))
        sig_len = struct.unpack_from('<I', raw, Q_SIGNED)[0]
        if sig_len != len(raw) - Q_SIGNED - 4:
            raise Malformed('td_quote: signature data length %d, %d bytes '
                            'follow' % (sig_len, len(raw) - Q_SIGNED - 4))
        sd = raw[Q_SIGNED + 4:]
        if len(sd) < 128 + 6:
            raise Malformed('td_quote: signature data of %d bytes' % len(sd))
        cert_type, cert_size = struct.unpack_from('<HI', sd, 128)
        if 134 + cert_size != len(sd):
            raise Malformed('td_quote: certification data size %d, %d bytes'
                            ' follow' % (cert_size, len(sd) - 134))
        self.raw = raw
        self.signature, self.key = sd[0:64], sd[64:128]
        self.mrtd = raw[Q_MRTD:Q_MRTD + 48]
        self.rtmr = [raw[Q_RTMR0 + 48 * i:Q_RTMR0 + 48 * (i + 1)]
                     for i in range(4)]
        self.reportdata = raw[Q_REPORTDATA:Q_REPORTDATA + 64]

    def signature_ok(self):
        x = int.from_bytes(self.key[:32], 'big')
        y = int.from_bytes(self.key[32:], 'big')
        r = int.from_bytes(self.signature[:32], 'big')
        s = int.from_bytes(self.signature[32:], 'big')
        try:
            pub = ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()) \
                .public_key()
            pub.verify(encode_dss_signature(r, s), self.raw[:Q_SIGNED],
                       ec.ECDSA(hashes.SHA256()))
            return True
        except (InvalidSignature, ValueError):
            return False


# ---- TPMS_ATTEST and TPMT_SIGNATURE (big-endian) -------------------------

class Attest:
    def __init__(self, raw):
        self.raw = raw
        off = 0

        def be(fmt, what):
            nonlocal off
            n = struct.calcsize(fmt)
            b, off = take(raw, off, n, 'tpm_quote.message ' + what)
            return struct.unpack(fmt, b)

        def tpm2b(what):
            nonlocal off
            n = be('>H', what + ' size')[0]
            b, off = take(raw, off, n, 'tpm_quote.message ' + what)
            return b

        magic, st = be('>IH', 'magic, type')
        if magic != 0xff544347 or st != 0x8018:
            raise Malformed('tpm_quote.message: magic 0x%x type 0x%x, not '
                            'a quote' % (magic, st))
        tpm2b('qualifiedSigner')
        self.extra = tpm2b('extraData')
        be('>QIIB', 'clockInfo')
        be('>Q', 'firmwareVersion')
        count = be('>I', 'pcrSelect count')[0]
        if count > 16:
            raise Malformed('tpm_quote.message: %d PCR selections' % count)
        self.selection = []             # [(bank, [pcr...])] in order
        for _ in range(count):
            alg, nsel = be('>HB', 'pcrSelect')
            sel, off = take(raw, off, nsel, 'tpm_quote.message pcrSelect')
            if alg not in ALGS:
                raise Malformed('tpm_quote.message: bank 0x%04x' % alg)
            pcrs = [i for i in range(8 * nsel) if sel[i // 8] >> (i % 8) & 1]
            self.selection.append((ALGS[alg], pcrs))
        self.pcr_digest = tpm2b('pcrDigest')
        if off != len(raw):
            raise Malformed('tpm_quote.message: %d bytes after pcrDigest'
                            % (len(raw) - off))


def parse_signature(raw):
    """(scheme, hash name, signature as cryptography verifies it)"""
    if len(raw) < 4:
        raise Malformed('tpm_quote.signature: %d bytes' % len(raw))
    alg, halg = struct.unpack_from('>HH', raw, 0)
    if halg not in ALGS:
        raise Malformed('tpm_quote.signature: hash 0x%04x' % halg)
    off = 4
    if alg in (0x0014, 0x0016):         # RSASSA, RSAPSS: TPM2B sig
        n, = struct.unpack_from('>H', raw, off)
        sig, off = take(raw, off + 2, n, 'tpm_quote.signature')
    elif alg == 0x0018:                 # ECDSA: TPM2B r, TPM2B s
        n, = struct.unpack('>H', take(raw, off, 2, 'signature r size')[0])
        r, off = take(raw, off + 2, n, 'tpm_quote.signature r')
        n, = struct.unpack('>H', take(raw, off, 2, 'signature s size')[0])
        s, off = take(raw, off + 2, n, 'tpm_quote.signature s')
        sig = encode_dss_signature(int.from_bytes(r, 'big'),
                                   int.from_bytes(s, 'big'))
    else:
        raise Malformed('tpm_quote.signature: scheme 0x%04x' % alg)
    if off != len(raw):
        raise Malformed('tpm_quote.signature: %d trailing bytes'
                        % (len(raw) - off))
    return alg, ALGS[halg], sig


def tpm_signature_ok(pem, message, signature):
    alg, halg, sig = parse_signature(signature)
    h = {'sha1': hashes.SHA1, 'sha256': hashes.SHA256,
         'sha384': hashes.SHA384, 'sha512': hashes.SHA512}[halg]()
    key = serialization.load_pem_public_key(pem)
    try:
        if alg == 0x0018 and isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(sig, message, ec.ECDSA(h))
        elif alg == 0x0014 and isinstance(key, rsa.RSAPublicKey):
            key.verify(sig, message, padding.PKCS1v15(), h)
        elif alg == 0x0016 and isinstance(key, rsa.RSAPublicKey):
            key.verify(sig, message,
                       padding.PSS(padding.MGF1(h), padding.PSS.AUTO), h)
        else:
            return False, halg
        return True, halg
    except InvalidSignature:
        return False, halg


# ---- the document ------------------------------------------------------

def b64(doc, key, what=None):
    v = doc[key] if what is None else doc[what][key]
    if not isinstance(v, str):
        raise Malformed('%s: not a string' % key)
    try:
        return base64.b64decode(v, validate=True)
    except (binascii.Error, ValueError):
        raise Malformed('%s: not base64' % key)


def load(path):
    try:
        with open(path, 'rb') as f:
            doc = json.loads(f.read())
    except (ValueError, UnicodeDecodeError) as e:
        raise Malformed('%s: not JSON (%s)' % (path, e))
    if not isinstance(doc, dict):
        raise Malformed('not a JSON object')
    if doc.get('version') != 1:
        raise Malformed('version %r, not 1' % doc.get('version'))
    for k in ('provider', 'nonce', 'count', 'log'):
        if k not in doc:
            raise Malformed('no %s' % k)
    if not isinstance(doc['count'], int) or doc['count'] < 0:
        raise Malformed('count %r' % doc['count'])
    return doc


class Report:
    def __init__(self):
        self.failed = []

    def line(self, ok, check, detail):
        print('%s %s: %s' % ('ok  ' if ok else 'FAIL', check, detail))
        if not ok:
            self.failed.append(check)


def nonce_of(doc, nonce_hex):
    try:
        nonce = bytes.fromhex(nonce_hex)
    except ValueError:
        raise Malformed('--nonce: not hex')
    if not 1 <= len(nonce) <= 64:
        raise Malformed('--nonce: %d bytes' % len(nonce))
    return nonce


def check_binding(rep, logs):
    tagged = [r for log in logs for r in log.recs if r.type == EV_EVENT_TAG]
    unbound = [i for i, r in enumerate(tagged) if not bound(r)]
    rep.line(not unbound, 'binding', '%d EV_EVENT_TAG entries, %d not bound '
             'to their data' % (len(tagged), len(unbound)))


def check_tdx(doc, nonce, rep):
    q = TdQuote(b64(doc, 'td_quote'))
    log = parse_log(b64(doc, 'log'))
    ccel = parse_log(b64(doc, 'ccel'), trailing_fill=True) \
        if doc.get('ccel') else None
    for lg, what in ((log, 'log'), (ccel, 'ccel')):
        if lg and ('sha384', 48) not in lg.algs:
            raise Malformed('%s: no sha384 bank' % what)
    rep.line(q.reportdata == nonce.ljust(64, b'\0'), 'nonce',
             'REPORTDATA %s the nonce, zero-padded'
             % ('is' if q.reportdata == nonce.ljust(64, b'\0') else 'is not'))
    rep.line(q.signature_ok(), 'signature',
             'ECDSA P-256 over header || body with the quote\'s key')
    rtmr = [bytes(48)] * 4
    firmware = ccel.recs if ccel else []
    for r in firmware:
        if r.type == EV_NO_ACTION or r.pcr == 0:
            continue
        if not 1 <= r.pcr <= 4:
            raise Failed('ccel: CC index %d' % r.pcr)
        rtmr[r.pcr - 1] = extend('sha384', rtmr[r.pcr - 1],
                                 r.digest('sha384'))
    match = []
    for k in range(len(log.recs) + 1):
        if rtmr == q.rtmr:
            match.append(k)
        if k == len(log.recs):
            break
        r = log.recs[k]
        if r.type != EV_NO_ACTION:
            if not 1 <= r.pcr <= 4:
                break
            rtmr[r.pcr - 1] = extend('sha384', rtmr[r.pcr - 1],
                                     r.digest('sha384'))
    good = [k for k in match if k >= doc['count']]
    rep.line(bool(good), 'registers', 'RTMR 0-3 = CCEL (%d records) + the '
             'first %s of %d runtime records; count %d'
             % (len(firmware), match or 'none', len(log.recs), doc['count']))
    check_binding(rep, [log] + ([ccel] if ccel else []))


def check_tpm(doc, nonce, pem, rep):
    tq = doc.get('tpm_quote')
    if not isinstance(tq, dict):
        raise Malformed('no tpm_quote')
    msg, sig = b64(tq, 'message'), b64(tq, 'signature')
    att = Attest(msg)
    log = parse_log(b64(doc, 'log'))
    if pem is None:
        raise Malformed('a TPM document needs --ak-pub')
    rep.line(att.extra == nonce, 'nonce', 'extraData %s the nonce'
             % ('is' if att.extra == nonce else 'is not'))
    ok, halg = tpm_signature_ok(pem, msg, sig)
    rep.line(ok, 'signature', 'over the message with the pinned AK (%s)'
             % halg)
    pcrs = tq.get('pcrs')
    if not isinstance(pcrs, dict):
        raise Malformed('tpm_quote.pcrs')
    quoted = {}
    cat = b''
    try:
        for bank, sel in att.selection:
            for p in sel:
                v = bytes.fromhex(pcrs[bank][str(p)])
                if len(v) != SIZES[bank]:
                    raise Malformed('pcrs %s:%d: %d bytes' % (bank, p,
                                                               len(v)))
                quoted[(bank, p)] = v
                cat += v
    except (KeyError, ValueError, TypeError) as e:
        raise Malformed('tpm_quote.pcrs: %r' % e)
    ok = hashlib.new(halg, cat).digest() == att.pcr_digest
    rep.line(ok, 'pcrs', '%s of the document\'s PCRs %s pcrDigest'
             % (halg, '==' if ok else '!='))
    touched = {(n, r.pcr) for r in log.recs if r.type != EV_NO_ACTION
               for n, _ in r.digests}
    missing = sorted(touched - set(quoted))
    vals = {k: (b'\xff' if 17 <= k[1] <= 22 else b'\0') * SIZES[k[0]]
            for k in touched}
    match = []
    for k in range(len(log.recs) + 1):
        if not missing and all(vals[t] == quoted[t] for t in touched):
            match.append(k)
        if k == len(log.recs):
            break
        r = log.recs[k]
        if r.type != EV_NO_ACTION:
            for n, d in r.digests:
                vals[(n, r.pcr)] = extend(n, vals[(n, r.pcr)], d)
    good = [k for k in match if k >= doc['count']]
    rep.line(bool(good), 'registers', 'every PCR the log touches (%s) = '
             'the first %s of %d records; count %d; not quoted: %s'
             % (','.join('%s:%d' % t for t in sorted(touched)),
                match or 'none', len(log.recs), doc['count'], missing))
    check_binding(rep, [log])


def cmd_check(args):
    path = args[0]
    nonce_hex = pem = None
    i = 1
    while i < len(args):
        if args[i] == '--nonce':
            nonce_hex = args[i + 1]
        elif args[i] == '--ak-pub':
            with open(args[i + 1], 'rb') as f:
                pem = f.read()
        else:
            raise Malformed('unknown option %s' % args[i])
        i += 2
    doc = load(path)
    nonce = nonce_of(doc, nonce_hex or '')
    rep = Report()
    if doc['provider'] == 'tdx':
        check_tdx(doc, nonce, rep)
    elif doc['provider'] in ('tpm', 'snp-vtpm'):
        check_tpm(doc, nonce, pem, rep)
    else:
        raise Malformed('provider %r' % doc['provider'])
    if rep.failed:
        raise Failed('failed: ' + ', '.join(rep.failed))
    return 0


def cmd_tpm_parts(args):
    doc = load(args[0])
    d = args[1]
    tq = doc['tpm_quote']
    msg = b64(tq, 'message')
    att = Attest(msg)
    for name, data in (('message', msg), ('signature', b64(tq, 'signature')),
                       ('log.bin', b64(doc, 'log'))):
        with open('%s/%s' % (d, name), 'wb') as f:
            f.write(data)
    with open(d + '/pcrs.values', 'wb') as f:
        for bank, sel in att.selection:
            for p in sel:
                f.write(bytes.fromhex(tq['pcrs'][bank][str(p)]))
    # pcrs.yaml: the document's values as tpm2_eventlog prints "pcrs:"
    with open(d + '/pcrs.txt', 'w') as f:
        for bank, sel in att.selection:
            for p in sel:
                f.write('%s:%d:%s\n' % (bank, p, tq['pcrs'][bank][str(p)]))
    print('+'.join('%s:%s' % (b, ','.join(map(str, s)))
                   for b, s in att.selection))
    return 0


def cmd_tdx_parts(args):
    """DIR/combined.bin: the CCEL followed by the runtime log's records
    (one log, as a verifier replays them); DIR/rtmrs.txt: the quote's
    RTMR n as "sha384:<n + 1>:hex" lines."""
    doc = load(args[0])
    d = args[1]
    q = TdQuote(b64(doc, 'td_quote'))
    raw = b64(doc, 'log')
    log = parse_log(raw)
    ccel = parse_log(b64(doc, 'ccel'), trailing_fill=True)
    end = ccel.recs[-1].end if ccel.recs else ccel.header_end
    with open(d + '/combined.bin', 'wb') as f:
        f.write(ccel.raw[:end] + raw[log.header_end:])
    with open(d + '/rtmrs.txt', 'w') as f:
        for i, v in enumerate(q.rtmr):
            f.write('sha384:%d:%s\n' % (i + 1, v.hex()))
    return 0


def cmd_indices(args):
    doc = load(args[0])
    ccel = parse_log(b64(doc, 'ccel'), trailing_fill=True)
    log = parse_log(b64(doc, 'log'))
    ci = [r.pcr for r in ccel.recs if r.type != EV_NO_ACTION]
    li = [r.pcr for r in log.recs]
    print('CCEL CC indices %s; runtime log indices %s' % (ci, li))
    if not ci or any(not 1 <= i <= 3 for i in ci):
        raise Failed('CCEL records outside CC index 1-3')
    if not li or any(i not in (3, 4) for i in li):
        raise Failed('runtime records outside CC index 3-4 (RTMR 2-3)')
    if len(args) > 1 and li != [int(i) for i in args[1].split(',')]:
        raise Failed('runtime log indices %s, want %s' % (li, args[1]))
    return 0


def aael_record(text, alg='sha384'):
    """TCG_PCR_EVENT2 of the attestation agent (spec 9, references.md):
    CC index 4 (RTMR 3), EV_EVENT_TAG, one digest (SHA-384, 0x000c) of
    the whole tagged event {u32 0x4141454c, u32 len, text}."""
    t = text.encode()
    event = struct.pack('<II', AAEL_TAG, len(t)) + t
    assert event[:4] == b'LEAA'
    return (struct.pack('<III', 4, EV_EVENT_TAG, 1) +
            struct.pack('<H', ALG_IDS[alg]) + hashlib.new(alg, event).digest()
            + struct.pack('<I', len(event)) + event)


def cmd_aael(args):
    doc = load(args[0])
    raw = b64(doc, 'log')
    log = parse_log(raw)
    want = aael_record(args[1])
    hits = [r for r in log.recs if raw[r.off:r.end] == want]
    print('golden AAEL record (%d bytes): %s' % (len(want), want.hex()))
    if len(hits) != 1:
        raise Failed('%d records of the log equal the golden one' % len(hits))
    print('found byte for byte at log offset %d' % hits[0].off)
    return 0


# ---- tampered and malformed documents --------------------------------------

def flip(raw, off, bit=0):
    b = bytearray(raw)
    b[off] ^= 1 << bit
    return bytes(b)


def put(doc, key, raw, sub=None):
    v = base64.b64encode(raw).decode()
    if sub:
        doc[sub][key] = v
    else:
        doc[key] = v


def record(pcr, etype, algs, event):
    r = struct.pack('<III', pcr, etype, len(algs))
    for name, _ in algs:
        r += struct.pack('<H', ALG_IDS[name]) + hashlib.new(name, event) \
            .digest()
    return r + struct.pack('<I', len(event)) + event


def first_tagged(log):
    for r in log.recs:
        if r.type == EV_EVENT_TAG and len(r.event) > 8:
            return r
    raise Malformed('no EV_EVENT_TAG entry to tamper with')


def tamper(kind, doc):
    """Returns the new document (a dict, or bytes for broken JSON)."""
    raw = b64(doc, 'log') if 'log' in doc else b''
    log = parse_log(raw) if raw else None
    if kind == 'log-digest':            # first entry: inside every prefix
        r = log.recs[0]
        put(doc, 'log', flip(raw, r.size_off - SIZES[log.algs[-1][0]]))
    elif kind == 'log-remove':          # the first entry
        r = log.recs[0]
        put(doc, 'log', raw[:r.off] + raw[r.end:])
    elif kind == 'log-append':          # after the quote: the prefix rule
        pcr = log.recs[-1].pcr
        put(doc, 'log', raw + record(pcr, EV_IPL, log.algs,
                                     b'appended after the quote'))
    elif kind == 'count-up':            # more than the log holds
        doc['count'] = len(log.recs) + 1
    elif kind == 'append-count':        # the log holds count, n match
        pcr = log.recs[-1].pcr
        put(doc, 'log', raw + record(pcr, EV_IPL, log.algs,
                                     b'appended, and counted'))
        doc['count'] = len(log.recs) + 1
    elif kind == 'tdq-body':            # a bit of MRSEAM
        put(doc, 'td_quote', flip(b64(doc, 'td_quote'), Q_HDR + 16))
    elif kind == 'tdq-sig':             # a bit of r
        put(doc, 'td_quote', flip(b64(doc, 'td_quote'), Q_SIGNED + 4 + 5))
    elif kind == 'tpm-msg':             # a bit of clockInfo
        m = b64(doc, 'message', 'tpm_quote')
        n = struct.unpack_from('>H', m, 6)[0]
        e = struct.unpack_from('>H', m, 8 + n)[0]
        put(doc, 'message', flip(m, 10 + n + e + 7), 'tpm_quote')
    elif kind == 'tpm-sig':             # a bit of the last signature byte
        s = b64(doc, 'signature', 'tpm_quote')
        put(doc, 'signature', flip(s, len(s) - 1), 'tpm_quote')
    elif kind == 'pcr-value':           # a quoted value, not pcrDigest
        bank = sorted(doc['tpm_quote']['pcrs'])[0]
        p = sorted(doc['tpm_quote']['pcrs'][bank])[0]
        v = bytearray.fromhex(doc['tpm_quote']['pcrs'][bank][p])
        v[0] ^= 1
        doc['tpm_quote']['pcrs'][bank][p] = v.hex()
    elif kind == 'ccel-record':         # a digest byte of the last record
        c = b64(doc, 'ccel')
        cl = parse_log(c, trailing_fill=True)
        put(doc, 'ccel', flip(c, cl.recs[-1].size_off - 1))
    elif kind == 'tag-event':           # a text byte of a tagged event
        r = first_tagged(log)
        put(doc, 'log', flip(raw, r.ev_off + 8, 1))
    # malformed: exit 2
    elif kind == 'truncated':
        return json.dumps(doc).encode()[:200]
    elif kind == 'version-2':
        doc['version'] = 2
    elif kind == 'log-b64':
        doc['log'] = 'AAAA!!not*base64' + doc['log'][16:]
    elif kind == 'tdq-b64':
        doc['td_quote'] = doc['td_quote'][:40] + '%%%' + doc['td_quote'][43:]
    elif kind == 'tdq-v3':
        q = bytearray(b64(doc, 'td_quote'))
        q[0:2] = struct.pack('<H', 3)
        put(doc, 'td_quote', bytes(q))
    elif kind == 'tdq-siglen':
        q = bytearray(b64(doc, 'td_quote'))
        q[Q_SIGNED:Q_SIGNED + 4] = b'\xff\xff\xff\xff'
        put(doc, 'td_quote', bytes(q))
    elif kind in ('log-evsize', 'log-evsize-1'):
        # the last record's eventSize: u32 max (an offset + size that
        # wraps), or one byte more than there is
        r = log.recs[-1]
        size = 0xffffffff if kind == 'log-evsize' else len(r.event) + 1
        b = bytearray(raw)
        b[r.size_off:r.size_off + 4] = struct.pack('<I', size)
        put(doc, 'log', bytes(b))
    else:
        raise Malformed('unknown tamper kind %s' % kind)
    return doc


TAMPERS = ('log-digest log-remove log-append count-up append-count '
           'tdq-body tdq-sig tpm-msg tpm-sig pcr-value ccel-record '
           'tag-event truncated version-2 log-b64 tdq-b64 tdq-v3 '
           'tdq-siglen log-evsize log-evsize-1').split()


def cmd_tamper(args):
    kind, src, dst = args
    with open(src, 'rb') as f:
        doc = json.loads(f.read())
    out = tamper(kind, doc)
    with open(dst, 'wb') as f:
        f.write(out if isinstance(out, bytes) else
                json.dumps(out, indent=1).encode() + b'\n')
    return 0


def main(argv):
    cmds = {'check': cmd_check, 'tpm-parts': cmd_tpm_parts,
            'tdx-parts': cmd_tdx_parts,
            'indices': cmd_indices, 'aael': cmd_aael, 'tamper': cmd_tamper}
    if len(argv) < 2 or argv[1] not in cmds:
        sys.stderr.write(__doc__)
        return 2
    try:
        return cmds[argv[1]](argv[2:])
    except Failed as e:
        print('referee: %s' % e, file=sys.stderr)
        return 1
    except (Malformed, KeyError, IndexError, OSError, struct.error) as e:
        print('referee: cannot check: %s' % (e,), file=sys.stderr)
        return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
