# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the shell kselftests. cfs_root prints the tsm-rtmr handle
# directory, found by the lookup rule of Documentation/ABI/testing/
# configfs-tsm-rtmr (the one the CLI and tsm_rtmr_test.h's CFS_ROOT
# implement): /sys/kernel/config/tsm/rtmrs where that is a directory, else
# /sys/kernel/config/tsm-rtmr/rtmrs (kernels with configfs-tsm, 6.7+).
# Fails, printing nothing, when neither exists (tsm_rtmr is not loaded).

cfs_root() {
	if [ -d /sys/kernel/config/tsm/rtmrs ]; then
		echo /sys/kernel/config/tsm/rtmrs
	elif [ -d /sys/kernel/config/tsm-rtmr/rtmrs ]; then
		echo /sys/kernel/config/tsm-rtmr/rtmrs
	else
		return 1
	fi
}
