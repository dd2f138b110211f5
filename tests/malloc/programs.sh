#!/usr/bin/env bash
# tests/malloc/programs.sh LIBKMM_MALLOC SOURCE_DIR BUILD_INCLUDE_DIR [CXX_PROGRAM]
# Real programs give identical output under LD_PRELOAD=libkmm-malloc.so as
# under glibc's malloc: bash (command substitution, pipelines), python3
# (os.fork, multiprocessing), sqlite3, git, gcc compiling a file of kmm,
# make -j2, and a C++ program with std containers and threads; and the
# thread count of a single-threaded program (the machine's own). A program
# that is missing fails the test (scripts/deps.sh test installs them).
set -uo pipefail
lib="$1" src="$2" incdir="$3" cxxprog="${4:-}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fails=0 passes=0
# compare NAME CMD...: run under glibc, then under kmm, compare stdout and status
compare() {
  local name="$1"; shift
  local a="$work/$name.glibc" b="$work/$name.kmm" ra rb
  (cd "$work" && "$@") >"$a" 2>"$a.err"; ra=$?
  (cd "$work" && LD_PRELOAD="$lib" "$@") >"$b" 2>"$b.err"; rb=$?
  if [ "$ra" -ne "$rb" ] || ! cmp -s "$a" "$b"; then
    echo "FAIL $name: status $ra (glibc) / $rb (kmm)"; diff "$a" "$b" | head -20; head -20 "$b.err"
    fails=$((fails + 1))
  elif [ ! -s "$a" ]; then
    echo "FAIL $name: no output"; cat "$a.err" | head; fails=$((fails + 1))
  else
    echo "ok   $name ($(wc -l <"$a") lines)"; passes=$((passes + 1))
  fi
}
compare bash bash -c 'x=$(echo sub $(echo nested)); echo "$x"; for i in $(seq 1 50); do echo "line $i $((i * i))"; done | grep 7 | sort -r | tr a-z A-Z; y=$(cat /etc/os-release | wc -l); [ "$y" -gt 0 ] && echo lines-ok; f() { local v; v=$(printf "%s-" a b c); echo "$v"; }; f; echo done | (read w; echo "sub:$w")'
compare python3 python3 -c '
import os, sys, multiprocessing, json
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    os.close(r); data = json.dumps({str(i): list(range(i % 7)) for i in range(2000)})
    os.write(w, str(len(data)).encode()); os._exit(0)
os.close(w); print("child said", os.read(r, 100).decode()); os.waitpid(pid, 0)
def sq(x): return sum(i * i for i in range(x))
if __name__ == "__main__":
    with multiprocessing.Pool(2) as p: print(p.map(sq, range(0, 3000, 300)))
    d = {i: str(i) * (i % 50) for i in range(50000)}
    print(len(d), sum(len(v) for v in d.values()))
    print(sorted(set("".join(d[i] for i in range(0, 50000, 997))))[:5])
'
compare sqlite3 sqlite3 ":memory:" "create table t(a integer primary key, b text, c real);
with recursive n(x) as (select 1 union all select x + 1 from n where x < 20000)
insert into t select x, printf('k%08d', x * 7919 % 20000), x * 1.5 from n;
create index tb on t(b); select count(*), sum(length(b)), max(c) from t;
select b from t order by b desc limit 3; delete from t where a % 3 = 0; vacuum;
select count(*) from t where b like '%77%';"
compare git sh -c 'd=$(mktemp -d) && cd "$d" && git init -q && git config user.email t@e && git config user.name t && for i in 1 2 3; do seq 1 $((i * 500)) >f$i; git add f$i; git commit -qm "c$i"; done; git log --format=%s; git diff HEAD~2 --stat | tail -1; git rev-list --count HEAD; git ls-files | wc -l; cd / && rm -rf "$d"'
compare gcc sh -c "gcc -O2 -std=gnu11 -ffreestanding -DKMM_BUILDING=1 -I'$src/src' -I'$src/include' -I'$incdir' -c '$src/src/slab/kmalloc.c' -o k.o && nm k.o | awk '{print \$NF}' | sort && size k.o | tail -1 | cut -f1-3"
mkdir -p "$work/mk"
for i in 1 2 3 4 5 6; do printf 'int f%d(int x) { return x * %d; }\n' "$i" "$i" >"$work/mk/f$i.c"; done
printf 'OBJ = f1.o f2.o f3.o f4.o f5.o f6.o\nall: lib.a\nlib.a: $(OBJ)\n\tar rcs $@ $(OBJ)\n%%.o: %%.c\n\tgcc -O1 -c $< -o $@\nclean:\n\trm -f *.o lib.a\n' >"$work/mk/Makefile"
compare make sh -c 'make -s -C mk clean && make -s -j2 -C mk && ar t mk/lib.a | sort'
if [ -n "$cxxprog" ]; then compare cxx "$cxxprog"; fi
# A single-threaded program stays single-threaded: the machine starts no
# kswapd or kcompactd unless KMM_CMDLINE asks (docs/malloc.md).
t0=$(LD_PRELOAD="$lib" sh -c 'sed -n "s/^Threads:[[:space:]]*//p" /proc/$$/status')
t2=$(KMM_CMDLINE='kswapd=1 kcompactd=1' LD_PRELOAD="$lib" sh -c 'sed -n "s/^Threads:[[:space:]]*//p" /proc/$$/status')
if [ "$t0" = 1 ] && [ "$t2" = 3 ]; then
  echo "ok   threads (1 by default, 3 with kswapd=1 kcompactd=1)"; passes=$((passes + 1))
else
  echo "FAIL threads: $t0 by default (want 1), $t2 with kswapd=1 kcompactd=1 (want 3)"; fails=$((fails + 1))
fi
echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
