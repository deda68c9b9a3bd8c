# cost-vs-size.gp - bench/summarize draws OUT/cost-vs-size.png with
#   gnuplot -e "datafile='...'; outfile='...'" bench/cost-vs-size.gp
# datafile columns: entries decide_hit_ns decide_miss_ns cdb_hit_ns
#   cdb_miss_ns compile_ours_s compile_postmap_s compile_tinycdb_s
# beforefile (optional, same columns): an earlier run's certrelay curves,
#   drawn thin and grey ("first run")
set terminal pngcairo size 1200,520 font ",10"
set output outfile
set datafile missing "NA"
set multiplot layout 1,2 title "certrelay: cost vs table size (fingerprint entries)"
set logscale x
set format x "10^{%L}"
set xlabel "fingerprint entries"
set grid
set key top left
set title "in-process decision time (+10k DNs, 100 regexes)"
set yrange [50:100000]
set ylabel "ns per decision"
set logscale y
if (!exists("beforefile")) beforefile = ""
if (beforefile ne "") \
plot datafile using 1:2 with linespoints lw 2 title "certrelay decide(), fp hit", \
     datafile using 1:3 with linespoints lw 2 title "certrelay decide(), all-miss", \
     datafile using 1:4 with linespoints dt 2 title "tinycdb cdb\\_find hit (tablebench)", \
     datafile using 1:5 with linespoints dt 2 title "tinycdb cdb\\_find miss (tablebench)", \
     beforefile using 1:2 with linespoints lw 1 lc rgb "gray50" pt 1 title "first run: decide() hit", \
     beforefile using 1:3 with linespoints lw 1 lc rgb "gray50" pt 2 title "first run: decide() all-miss"; \
else \
plot datafile using 1:2 with linespoints lw 2 title "certrelay decide(), fp hit", \
     datafile using 1:3 with linespoints lw 2 title "certrelay decide(), all-miss", \
     datafile using 1:4 with linespoints dt 2 title "tinycdb cdb\\_find hit (tablebench)", \
     datafile using 1:5 with linespoints dt 2 title "tinycdb cdb\\_find miss (tablebench)"
set title "compile time (wall)"
set yrange [*:*]
set ylabel "seconds"
set logscale y
if (beforefile ne "") \
plot datafile using 1:6 with linespoints lw 2 title "certrelay compile", \
     datafile using 1:7 with linespoints dt 2 title "postmap cdb: (10M: killed, lower bound)", \
     datafile using 1:8 with linespoints dt 2 title "tinycdb cdb -c -m", \
     beforefile using 1:6 with linespoints lw 1 lc rgb "gray50" pt 1 title "first run: certrelay compile"; \
else \
plot datafile using 1:6 with linespoints lw 2 title "certrelay compile", \
     datafile using 1:7 with linespoints dt 2 title "postmap cdb: (10M: killed, lower bound)", \
     datafile using 1:8 with linespoints dt 2 title "tinycdb cdb -c -m"
unset multiplot
