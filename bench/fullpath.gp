# fullpath.gp - bench/summarize draws OUT/fullpath.png with
#   gnuplot -e "datafile='...'; outfile='...'" bench/fullpath.gp
# datafile: a header line "c conf1 conf2 ...", then one line per
#   concurrency: c and the median sessions/s of each configuration
#   (NA when not measured)
set terminal pngcairo size 900,520 font ",10"
set output outfile
set datafile missing "NA"
set title "Postfix with TLS client certificates: throughput vs concurrency\n(whole SMTP path, MTA and daemons on one CPU; median of the rounds)"
set logscale x 2
set xtics ("1" 1, "8" 8, "32" 32)
set xrange [0.8:40]
set xlabel "concurrent SMTP sessions (bench/smtpload -c)"
set ylabel "sessions/s"
set yrange [0:*]
set grid
set key outside right top
set key autotitle columnhead
ncol = system("head -1 " . datafile . " | wc -w") + 0
plot for [i=2:ncol] datafile using 1:i with linespoints lw 2
