# SPDX-License-Identifier: GPL-2.0
#
# For test programs linked statically against libcrypto.a: it references
# dlopen() and the resolver, so ld prints glibc's "Using 'dlopen' in
# statically linked applications requires ..." notes. The programs never
# load shared objects or resolve names: $(LDNOTES) drops exactly those notes
# (and the "in function" line naming their caller) and keeps every other
# diagnostic. Use as: $(CC) ... 2>&1 | $(LDNOTES) >&2; pipefail keeps the
# compiler's exit status.

SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
LDNOTES := awk '/: in function .*:$$/ { held = $$0; next } \
	/in statically linked applications requires at runtime/ { held = ""; next } \
	{ if (held != "") print held; held = ""; print } \
	END { if (held != "") print held }'
