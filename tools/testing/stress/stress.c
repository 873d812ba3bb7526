// SPDX-License-Identifier: GPL-2.0
/*
 * tsm-rtmr stress and fault campaign, run in the guest.
 *
 *   stress [-w WRITERS] [-n COMMITS] [-r READERS] [-F] [-s SEED]
 *          [-p PROVIDER]...
 *
 * WRITERS processes (default 16) each make COMMITS commits (default 5000)
 * through a handle of their own, over every extendable register of every
 * provider (-p, default: all registered), spread round-robin; READERS
 * processes (default 4) read the logs, whole and at random offsets, and
 * parse them, until the writers finish. With -F a fault process injects
 * every simulator fault mode (before, after, lost) at random points.
 *
 * Afterwards, per provider: the log parses, `count` equals its records,
 * every register replays from its log (each uncertain record included or
 * not), and the outcomes match section 6 of the spec: every success is in
 * the log, "before" faults fail and log nothing, "after" faults succeed,
 * "lost" faults fail with EIO and leave an uncertain record.
 * Prints TAP; exit 0 when everything holds.
 */
#include <signal.h>
#include <sys/mman.h>
#include <time.h>

#include "check.h"
#include "../lib/tap.h"

struct shared {
	volatile int stop;
	long ok[MAX_PROV], eio[MAX_PROV], other[MAX_PROV];
	long reads, read_errors;
	long fired[4];			/* by fault mode */
	char first_error[256];
};

static struct prov prov[MAX_PROV];
static int nprov;
static struct shared *sh_;
static uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void note_error(const char *fmt, ...)
{
	va_list ap;

	if (sh_->first_error[0])
		return;
	va_start(ap, fmt);
	vsnprintf(sh_->first_error, sizeof(sh_->first_error), fmt, ap);
	va_end(ap);
}

static void writer(int w, long commits, uint64_t seed)
{
	int pi = w % nprov;
	struct prov *p = &prov[pi];
	struct digests ds;
	unsigned char ev[64];
	char h[64];
	long k;
	int i, j, r;

	snprintf(h, sizeof(h), "stress-w%d", w);
	if ((h_mkdir(h) && errno != EEXIST) || h_write(h, "provider", p->name)) {
		note_error("writer %d: handle: %s", w, strerror(errno));
		sh_->other[pi] += commits;
		_exit(1);
	}
	banks_parse(&ds, p->banks);
	for (k = 0; k < commits; k++) {
		size_t evlen = rng_next(&seed) % sizeof(ev);

		r = h_index(h, p->reg[rng_next(&seed) % p->nregs]);
		for (i = 0; i < (int)evlen; i++)
			ev[i] = rng_next(&seed);
		if (!r && evlen)
			r = h_event(h, ev, evlen);
		for (i = 0; i < ds.n; i++)
			for (j = 0; j < ds.alg[i]->size; j++)
				ds.d[i][j] = rng_next(&seed);
		if (!r)
			r = h_commit(h, &ds);
		if (!r) {
			__atomic_add_fetch(&sh_->ok[pi], 1, __ATOMIC_RELAXED);
		} else if (r == -EIO) {
			__atomic_add_fetch(&sh_->eio[pi], 1, __ATOMIC_RELAXED);
		} else {
			__atomic_add_fetch(&sh_->other[pi], 1, __ATOMIC_RELAXED);
			note_error("writer %d (%s): commit %ld: %s", w, p->name,
				   k, errname(r));
		}
	}
	h_rmdir(h);
	_exit(0);
}

static void reader(int id, uint64_t seed)
{
	unsigned char buf[4096];
	char path[256];

	while (!sh_->stop) {
		struct prov *p = &prov[rng_next(&seed) % nprov];
		int what = rng_next(&seed) % 4;

		if (what == 0) {
			unsigned char *raw = NULL;
			struct tlog l;
			char err[256];
			ssize_t n = prov_log(p->name, &raw);

			if (n < 0 || log_parse(raw, n, &l, err, sizeof(err))) {
				__atomic_add_fetch(&sh_->read_errors, 1,
						   __ATOMIC_RELAXED);
				note_error("reader %d: %s log: %s", id, p->name,
					   n < 0 ? errname(n) : err);
			} else {
				log_free(&l);
			}
			free(raw);
		} else {
			static const char * const f[] = {
				"binary_event_log", "ascii_event_log", "count",
				"state" };
			int fd;

			snprintf(path, sizeof(path), SFS_ROOT "/%s/%s", p->name,
				 f[what]);
			fd = open(path, O_RDONLY);
			if (fd < 0 || pread(fd, buf, sizeof(buf),
					    rng_next(&seed) % (1 << 20)) < 0) {
				__atomic_add_fetch(&sh_->read_errors, 1,
						   __ATOMIC_RELAXED);
				note_error("reader %d: %s: %s", id, path,
					   strerror(errno));
			}
			if (fd >= 0)
				close(fd);
		}
		__atomic_add_fetch(&sh_->reads, 1, __ATOMIC_RELAXED);
	}
	_exit(0);
}

static const char * const fault_names[] = { "none", "before", "after", "lost" };

static int fault_read(void)
{
	char b[32];
	int i;

	if (read_text(SIM_PARAMS "/fault", b, sizeof(b)) <= 0)
		return -1;
	for (i = 0; i < 4; i++)
		if (!strncmp(b, fault_names[i], strlen(fault_names[i])) &&
		    b[strlen(fault_names[i])] == '\n')
			return i;
	return -1;
}

/* One fault at a time: set it, wait until it has fired, count it. */
static void faulter(uint64_t seed)
{
	int pending = 0;

	while (!sh_->stop) {
		int cur = fault_read();

		if (cur == 0 && pending) {
			__atomic_add_fetch(&sh_->fired[pending], 1,
					   __ATOMIC_RELAXED);
			pending = 0;
		}
		if (cur == 0) {
			usleep(rng_next(&seed) % 20000);
			pending = 1 + rng_next(&seed) % 3;
			if (sim_fault(fault_names[pending]))
				pending = 0;
		} else {
			usleep(1000);
		}
	}
	/* The writers are done: a fault still set never fired. */
	if (pending && fault_read() == 0)
		__atomic_add_fetch(&sh_->fired[pending], 1, __ATOMIC_RELAXED);
	sim_fault("none");
	_exit(0);
}

static void check_provider(int pi, bool faults)
{
	struct prov *p = &prov[pi];
	unsigned char *raw = NULL;
	char err[256], obs[64];
	long unc[4096], count;
	struct tlog l;
	int nunc, ri, bad = 0;
	long added;

	snprintf(obs, sizeof(obs), "stress-obs-%s", p->name);
	if (prov_log_parse(p->name, &raw, NULL, &l, err, sizeof(err))) {
		tap(false, "%s: log parses: %s", p->name, err);
		free(raw);
		return;
	}
	tap(true, "%s: log parses (%zu records)", p->name, l.n);
	count = prov_count(p->name);
	tap(count == (long)l.n, "%s: count %ld == %zu records", p->name, count,
	    l.n);
	nunc = uncertain_list(p->name, unc, 4096);
	tap(nunc >= 0, "%s: state parses (%d uncertain)", p->name, nunc);
	for (ri = 0; ri < p->nregs; ri++) {
		int r = replay_check(p, &l, unc, nunc < 0 ? 0 : nunc, ri, obs);

		if (r) {
			tap(false, "%s: register %d replays from its log: %s",
			    p->name, p->reg[ri], errname(r));
			bad = 1;
		}
	}
	if (!bad)
		tap(true, "%s: all %d registers replay from the log", p->name,
		    p->nregs);
	added = (long)l.n - p->count0;
	tap(sh_->other[pi] == 0, "%s: no unexpected errors (%ld)%s%s", p->name,
	    sh_->other[pi], sh_->first_error[0] ? ": " : "", sh_->first_error);
	if (!faults || !p->sim) {
		tap(added == sh_->ok[pi] && sh_->eio[pi] == 0,
		    "%s: %ld commits succeeded, %ld records added, %ld EIO",
		    p->name, sh_->ok[pi], added, sh_->eio[pi]);
	}
	log_free(&l);
	free(raw);
}

int main(int argc, char **argv)
{
	long writers = 16, commits = 5000, readers = 4;
	uint64_t seed = 0;
	bool faults = false;
	const char *only[MAX_PROV];
	int nonly = 0, opt, i, status;
	pid_t fpid = 0, *rp;
	double t0, t1;

	tap_prefix = "stress: ";
	while ((opt = getopt(argc, argv, "w:n:r:Fs:p:")) != -1) {
		switch (opt) {
		case 'w': writers = atol(optarg); break;
		case 'n': commits = atol(optarg); break;
		case 'r': readers = atol(optarg); break;
		case 'F': faults = true; break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'p': if (nonly < MAX_PROV) only[nonly++] = optarg; break;
		default:
			fprintf(stderr, "usage: stress [-w N] [-n N] [-r N] [-F] [-s SEED] [-p PROV]...\n");
			return 2;
		}
	}
	if (!seed)
		seed = (uint64_t)time(NULL) * 2654435761u ^ getpid();
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("# stress: seed %llu, %ld writers x %ld commits, %ld readers%s\n",
	       (unsigned long long)seed, writers, commits, readers,
	       faults ? ", fault campaign" : "");

	sh_ = mmap(NULL, sizeof(*sh_), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh_ == MAP_FAILED)
		return 2;
	memset(sh_, 0, sizeof(*sh_));

	if (nonly) {
		for (i = 0; i < nonly; i++)
			if (!discover(only[i], &prov[nprov], "stress"))
				nprov++;
	} else {
		DIR *d = opendir(SFS_ROOT);
		struct dirent *de;

		while (d && (de = readdir(d)) && nprov < MAX_PROV) {
			if (de->d_name[0] == '.')
				continue;
			if (!discover(de->d_name, &prov[nprov], "stress"))
				nprov++;
		}
		if (d)
			closedir(d);
	}
	if (!nprov) {
		tap(false, "no provider with extendable registers");
		return 1;
	}
	for (i = 0; i < nprov; i++)
		printf("# provider %s: %d registers, %s", prov[i].name,
		       prov[i].nregs, prov[i].banks);
	if (faults && !exists(SIM_PARAMS "/fault"))
		faults = false;

	rp = calloc(readers + 1, sizeof(*rp));
	t0 = now();
	for (i = 0; i < readers; i++) {
		rp[i] = fork();
		if (!rp[i])
			reader(i, seed + 1000 + i);
	}
	if (faults) {
		fpid = fork();
		if (!fpid)
			faulter(seed + 999);
	}
	for (i = 0; i < writers; i++)
		if (!fork())
			writer(i, commits, seed + 1 + i);
	for (i = 0; i < writers; i++)
		wait(&status);
	t1 = now();
	sh_->stop = 1;
	for (i = 0; i < readers; i++)
		waitpid(rp[i], &status, 0);
	if (fpid)
		waitpid(fpid, &status, 0);

	{
		long total = 0;

		for (i = 0; i < nprov; i++)
			total += sh_->ok[i] + sh_->eio[i] + sh_->other[i];
		printf("# %ld commits in %.1f s (%.0f/s), %ld reads\n", total,
		       t1 - t0, total / (t1 - t0), sh_->reads);
	}
	tap(sh_->read_errors == 0, "readers: %ld reads, %ld errors", sh_->reads,
	    sh_->read_errors);
	for (i = 0; i < nprov; i++)
		check_provider(i, faults);

	if (faults) {
		long ok = 0, eio = 0, added = 0, unc = 0;
		long u[4096];

		for (i = 0; i < nprov; i++) {
			int n;

			if (!prov[i].sim)
				continue;
			ok += sh_->ok[i];
			eio += sh_->eio[i];
			added += prov_count(prov[i].name) - prov[i].count0;
			n = uncertain_list(prov[i].name, u, 4096);
			unc += n > 0 ? n : 0;
		}
		printf("# faults fired: before %ld, after %ld, lost %ld\n",
		       sh_->fired[1], sh_->fired[2], sh_->fired[3]);
		tap(sh_->fired[1] && sh_->fired[2] && sh_->fired[3],
		    "fault campaign: every mode fired");
		tap(eio == sh_->fired[1] + sh_->fired[3],
		    "fault campaign: EIO %ld == before %ld + lost %ld", eio,
		    sh_->fired[1], sh_->fired[3]);
		tap(added == ok + sh_->fired[3],
		    "fault campaign: records added %ld == successes %ld + lost %ld",
		    added, ok, sh_->fired[3]);
		tap(unc >= sh_->fired[3],
		    "fault campaign: uncertain records %ld >= lost %ld", unc,
		    sh_->fired[3]);
	}
	for (i = 0; i < nprov; i++) {
		char h[64];

		snprintf(h, sizeof(h), "stress-obs-%s", prov[i].name);
		h_rmdir(h);
	}
	if (tap_done()) {
		printf("# stress: FAILED, seed %llu\n", (unsigned long long)seed);
		return 1;
	}
	return 0;
}
