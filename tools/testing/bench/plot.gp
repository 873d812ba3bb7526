# SPDX-License-Identifier: GPL-2.0
#
# gnuplot -e "dir='RESULTS'; title='...'" plot.gp  ->  RESULTS/results.png
# Inputs (written by run.sh): tpm.dat, core.dat, log.dat, mem.dat, each row
# "label median min max" (log.dat: N, tsm-rtmr median min max, tmpfs ...).

set terminal pngcairo size 1400,1000 font "sans,10"
set output dir."/results.png"
set multiplot layout 2,2 title title font "sans,12"

# A panel whose data file is empty says so instead of failing the plot.
has(f) = system("test -s '".dir."/".f."' && echo 1 || echo 0") eq "1"
nodata(t) = sprintf("set label 99 '%s: no data' at graph 0.5,0.5 center", t)

set style fill solid 0.6 border -1
set boxwidth 0.6
set grid ytics

set title "TPM commit throughput (higher is better)"
set ylabel "entries/s"
set xtics rotate by -25 nomirror
set yrange [0:*]
if (has("tpm.dat")) {
plot dir."/tpm.dat" using 0:2:xtic(1) with boxes lc rgb "#4a7ebb" notitle, \
     "" using 0:2:3:4 with yerrorbars lc rgb "black" pt 0 notitle
} else { eval nodata("tpm"); plot [0:1][0:1] NaN notitle; unset label 99 }

set title "Core commit cost on the simulator (lower is better)"
set ylabel "us per commit (wall / commits)"
set xlabel "concurrent writers"
set xtics norotate
set logscale x 2
set xrange [0.7:11]
if (has("core.dat")) {
plot dir."/core.dat" using 1:2:3:4 with yerrorlines lw 2 pt 7 lc rgb "#4a7ebb" title "commits, one provider", \
     dir."/core-own.dat" using 1:2:3:4 with yerrorlines lw 2 pt 5 lc rgb "#9bbb59" title "commits, a provider (lock) each", \
     dir."/core-floor.dat" using 1:2:3:4 with yerrorlines lw 2 pt 9 lc rgb "#c0504d" title "configfs store, no shared lock"
} else { eval nodata("core"); plot [1:2][0:1] NaN notitle; unset label 99 }
unset logscale x
set xrange [*:*]

set title "Whole-log read time (lower is better)"
set ylabel "ms"
set xlabel "entries in the log"
set logscale xy 10
set format x "10^{%L}"
set offsets graph 0.05, graph 0.05, 0, 0
if (has("log.dat")) {
plot dir."/log.dat" using 1:2:3:4 with yerrorlines lw 2 pt 7 lc rgb "#4a7ebb" title "binary\\_event\\_log", \
     "" using 1:5:6:7 with yerrorlines lw 2 pt 5 lc rgb "#c0504d" title "tmpfs file, same bytes"
} else { eval nodata("log"); plot [1:10][1:10] NaN notitle; unset label 99 }
unset logscale
set format x "%g"
set offsets 0, 0, 0, 0

set title "Kernel memory per log entry"
set ylabel "bytes"
unset xlabel
set yrange [*:*]
set xtics rotate by -25
if (has("mem.dat")) {
plot dir."/mem.dat" using 0:2:xtic(1) with boxes lc rgb "#9bbb59" notitle, \
     "" using 0:2:3:4 with yerrorbars lc rgb "black" pt 0 notitle
} else { eval nodata("mem"); plot [0:1][0:1] NaN notitle; unset label 99 }

unset multiplot
