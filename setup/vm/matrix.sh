#!/usr/bin/env bash
# setup/vm/matrix.sh [v2|v1|systemd]... — the VM host matrix (default: all three). Boots Debian's own kernel
# under QEMU (KVM where it works, TCG emulation otherwise) with this machine's / shared read-only over 9p
# under a tmpfs overlay, and runs one configuration per boot (setup/vm/guest.sh inside):
#   v2       cgroup2 alone, no systemd: the sandbox's kernel tests, the v2 driver's, hostile programs, cleanup
#   v1       cgroup v1 hierarchies only (no cgroup2 at all), no systemd: the v1 driver
#   systemd  systemd as PID 1, pure cgroup v2: setup/install.sh --with-nginx and the operator path
#   exec     not part of the matrix: the v2 machine, running the script ATO_VM_SCRIPT names (a debugging aid:
#            PASS when it exits 0; its output is on the console and in results/exec/)
# Needs a built checkout (./ato test or mvn install: the test classes and ato-hosts/target/test-classpath.txt)
# and the packages of setup/packages/vm.txt. Results: .ato/vm/results/<config>/ (console.log, junit.txt,
# reports/, status). Exit status 0 only when every configuration printed PASS.
# Environment: ATO_VM_ACCEL=auto|kvm|tcg (auto: KVM when a probe boot answers within 20 s),
# ATO_VM_CPU (TCG CPU model, default max), ATO_VM_JVM (JAVA_TOOL_OPTIONS of every JVM in the VM, default
# "-XX:UseAVX=0 -XX:-TieredCompilation": no AVX code and no C1, see the README's Host matrix), ATO_VM_MEM
# (MiB, default 4096), ATO_VM_TIMEOUT_SCALE (multiplies every boot's bound, default 1),
# ATO_VM_BOUND (seconds: one bound for every boot instead of each configuration's own), ATO_VM_FS (how the VM
# sees this machine's /: virtiofs, the default where QEMU's virtiofsd is installed, or 9p).
set -euo pipefail
# The whole script is one group, read before it runs: editing or replacing the file mid-run (a git checkout
# during a 20-minute matrix) cannot change what the running one does.
{
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WORK="$ROOT/.ato/vm"
CONFIGS=("$@")
[ "${#CONFIGS[@]}" -gt 0 ] || CONFIGS=(v2 v1 systemd)
SCALE="${ATO_VM_TIMEOUT_SCALE:-1}"
MEM="${ATO_VM_MEM:-4096}"
JVM_OPTS="${ATO_VM_JVM--XX:UseAVX=0 -XX:-TieredCompilation}"
log() { echo "ato-vm: $*" >&2; }
die() { log "$*"; exit 1; }

# Wall-clock bound of one boot, in seconds, before scaling: about twice what it took under TCG on the 2-core
# development machine while other builds shared it (v2 520 s, v1 310 s).
bound() {
  case "$1" in
    v2) echo 1200 ;; v1) echo 720 ;; exec) echo 900 ;; systemd) echo 1200 ;; probe) echo 20 ;; jit) echo $(( 120 + 60 * ${ATO_VM_RUNS:-10} )) ;;
  esac
}

[ "$(id -u)" -eq 0 ] || die "run as root (QEMU's 9p share of / must read every file)"
for c in "${CONFIGS[@]}"; do
  case "$c" in v2|v1|systemd|jit) ;;
    exec) [ -f "${ATO_VM_SCRIPT:-}" ] || die "configuration exec runs the script ATO_VM_SCRIPT names: no such file '${ATO_VM_SCRIPT:-}'" ;;
    *) die "unknown configuration '$c' (v2, v1, systemd; jit: the JIT experiment; exec: ATO_VM_SCRIPT)" ;; esac
done
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 is missing: setup/install-packages.sh vm"
[ -x /bin/busybox ] || die "busybox is missing: setup/install-packages.sh vm"
JAVA="${JAVA_HOME:?JAVA_HOME must name the JDK (./ato sets it)}/bin/java"
CP_FILE="$ROOT/ato-hosts/target/test-classpath.txt"
[ -f "$CP_FILE" ] && [ -d "$ROOT/ato-sandbox/target/test-classes" ] \
  || die "no built test classes ($CP_FILE): run ./ato test or mvn install first"

# --- the kernel: the package linux-image-amd64 depends on, unpacked, with modules.dep ---------------------
mkdir -p "$WORK"
kernel_pkg() { apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1; }
PKG="$(kernel_pkg)"
if [ -z "$PKG" ]; then apt-get update -q >&2 || true; PKG="$(kernel_pkg)"; fi
[ -n "$PKG" ] || die "apt-cache knows no linux-image-amd64, even after apt-get update"
KVER="${PKG#linux-image-}"
KDIR="$WORK/kernel-$KVER"
if [ ! -f "$KDIR/lib/modules/$KVER/modules.dep" ]; then
  log "fetching $PKG"
  rm -rf "$KDIR" "$WORK"/*.deb
  (cd "$WORK" && apt-get download "$PKG" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2 || true)
  ls "$WORK/$PKG"_*.deb >/dev/null 2>&1 || die "apt-get download $PKG failed"
  mkdir -p "$KDIR.tmp"
  dpkg-deb -x "$WORK/$PKG"_*.deb "$KDIR.tmp"
  depmod -b "$KDIR.tmp" "$KVER"
  mv "$KDIR.tmp" "$KDIR"
  rm -f "$WORK/$PKG"_*.deb
fi
VMLINUZ="$KDIR/boot/vmlinuz-$KVER"

# --- the initramfs: busybox, the modules for 9p and overlayfs (dependencies first), setup/vm/init ---------
INITRD="$WORK/initrd-$KVER.gz"
if [ ! -f "$INITRD" ] || [ "$ROOT/setup/vm/init" -nt "$INITRD" ] || [ "$0" -nt "$INITRD" ]; then
  T="$(mktemp -d)"
  mkdir -p "$T"/{bin,dev,proc,sys,lib/modules/"$KVER"}
  cp /bin/busybox "$T/bin/busybox"
  cp "$ROOT/setup/vm/init" "$T/init"
  chmod 755 "$T/init"
  MD="$KDIR/lib/modules/$KVER"
  # Each wanted module after its dependencies, as modules.dep lists them.
  order=()
  add() {
    local path deps d
    path="$(grep -E "/$1\.ko(\.xz)?:" "$MD/modules.dep" | head -n 1 | cut -d: -f1)"
    [ -n "$path" ] || die "module $1 not in $PKG"
    deps="$(grep -E "^$path:" "$MD/modules.dep" | cut -d: -f2)"
    for d in $deps; do add "$(basename "$d" | sed 's/\.ko.*//')"; done
    case " ${order[*]-} " in *" $path "*) ;; *) order+=("$path") ;; esac
  }
  for m in virtio_pci 9pnet_virtio 9p virtiofs overlay virtio_blk crc32c_generic ext4; do add "$m"; done
  for p in "${order[@]}"; do
    mkdir -p "$T/lib/modules/$KVER/$(dirname "$p")"
    cp "$MD/$p" "$T/lib/modules/$KVER/$p"
    case "$p" in *.xz) xz -d "$T/lib/modules/$KVER/$p"; p="${p%.xz}" ;; esac
    echo "$p" >> "$T/modules.load"
  done
  cp "$MD"/modules.{order,builtin,builtin.modinfo} "$T/lib/modules/$KVER/" 2>/dev/null || true
  depmod -b "$T" "$KVER"
  (cd "$T" && find . | cpio -o -H newc --quiet | gzip -1) > "$INITRD.tmp"
  mv "$INITRD.tmp" "$INITRD"
  rm -rf "$T"
fi

# --- how the VM sees this machine's / -------------------------------------------------------------------
# virtiofs (QEMU's virtiofsd, a process of its own, cache=always, readdirplus) answers a directory walk about
# 20x faster than QEMU's 9p server: the sandbox walks /usr for private host files once per JVM, and over 9p
# under emulation that walk alone took more than 10 minutes.
VIRTIOFSD=/usr/lib/qemu/virtiofsd
FS="${ATO_VM_FS:-$([ -x "$VIRTIOFSD" ] && echo virtiofs || echo 9p)}"
case "$FS" in
  virtiofs) [ -x "$VIRTIOFSD" ] || die "ATO_VM_FS=virtiofs needs $VIRTIOFSD (package qemu-system-common)" ;;
  9p) ;;
  *) die "ATO_VM_FS must be virtiofs or 9p" ;;
esac

# --- one boot --------------------------------------------------------------------------------------------
QEMU_PID=""
VIRTIOFSD_PID=""
trap '[ -n "$QEMU_PID" ] && kill "$QEMU_PID" 2>/dev/null; [ -n "$VIRTIOFSD_PID" ] && kill "$VIRTIOFSD_PID" 2>/dev/null; true' EXIT
ACCEL_ARGS=()
TIMESCALE=1 # of the tests' time bounds: 1 with KVM, 4 under TCG
# $1 config, $2 results dir, $3 bound (s); QEMU's stdout (the serial console) goes to $2/console.log and,
# prefixed, to stderr. Returns timeout(1)'s status.
boot() {
  local c="$1" res="$2" secs="$3" extra=""
  [ "$c" = systemd ] && extra="systemd.unified_cgroup_hierarchy=1 systemd.show_status=0"
  local jvm="${JVM_OPTS// /,}"
  local share=(-virtfs local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap)
  if [ "$FS" = virtiofs ]; then
    local sock="$WORK/virtiofsd-$c.sock"
    rm -f "$sock"
    # One descriptor per inode the guest holds (cache=always keeps them): the walk of /usr alone holds 70,000.
    (ulimit -Hn 1048576 && ulimit -n 1048576
     exec "$VIRTIOFSD" --socket-path="$sock" -o source=/ -o sandbox=chroot -o cache=always -o readdirplus \
        -o log_level=err --rlimit-nofile=1048576) > "$res/virtiofsd.log" 2>&1 &
    VIRTIOFSD_PID=$!
    for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
    [ -S "$sock" ] || die "virtiofsd did not make $sock (see $res/virtiofsd.log)"
    # vhost-user needs the guest's memory shared with virtiofsd.
    share=(-object "memory-backend-memfd,id=mem,size=${MEM}M,share=on" -numa node,memdev=mem
           -chardev "socket,id=vfs,path=$sock" -device vhost-user-fs-pci,queue-size=1024,chardev=vfs,tag=host)
  fi
  # The VM's /tmp (setup/vm/init says why): a sparse file, gone after the boot.
  rm -f "$res/tmp.img"
  truncate -s 4G "$res/tmp.img"
  mkfs.ext4 -q -F -E lazy_itable_init=1,lazy_journal_init=1 "$res/tmp.img"
  share+=(-drive "file=$res/tmp.img,format=raw,if=virtio,cache=unsafe")
  set +e
  timeout -k 10 "$secs" qemu-system-x86_64 "${ACCEL_ARGS[@]}" -smp 2 -m "$MEM" -nographic -no-reboot \
      -monitor none -nic none -kernel "$VMLINUZ" -initrd "$INITRD" \
      -append "console=ttyS0 panic=-1 quiet loglevel=3 ato.config=$c ato.root=$ROOT ato.fs=$FS ato.jvm=$jvm ato.runs=${ATO_VM_RUNS:-10} ato.timescale=$TIMESCALE $extra" \
      "${share[@]}" \
      -virtfs "local,path=$res,mount_tag=results,security_model=none" \
      < /dev/null > "$res/console.log" 2>&1 &
  QEMU_PID=$!
  tail -n +1 -f --pid="$QEMU_PID" "$res/console.log" 2>/dev/null | sed -u "s/^/[vm $c] /" >&2 &
  local tailer=$!
  wait "$QEMU_PID"
  local rc=$?
  QEMU_PID=""
  rm -f "$res/tmp.img"
  if [ -n "$VIRTIOFSD_PID" ]; then kill "$VIRTIOFSD_PID" 2>/dev/null; wait "$VIRTIOFSD_PID" 2>/dev/null; VIRTIOFSD_PID=""; fi
  wait "$tailer" 2>/dev/null
  set -e
  return "$rc"
}

case "${ATO_VM_ACCEL:-auto}" in
  kvm) ACCEL_ARGS=(-accel kvm -cpu host) ;;
  tcg) ACCEL_ARGS=(-accel tcg,thread=multi -cpu "${ATO_VM_CPU:-max}"); TIMESCALE=4 ;;
  auto)
    ACCEL_ARGS=(-accel tcg,thread=multi -cpu "${ATO_VM_CPU:-max}"); TIMESCALE=4
    if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
      P="$WORK/results/kvm-probe"; rm -rf "$P"; mkdir -p "$P"
      saved=("${ACCEL_ARGS[@]}"); ACCEL_ARGS=(-accel kvm -cpu host)
      if boot probe "$P" "$(bound probe)" 2>/dev/null && grep -q '^ato-vm: kvm probe ok' "$P/console.log"; then
        log "KVM works here: using it"; TIMESCALE=1
      else
        log "KVM does not boot a kernel here (probe: no answer within $(bound probe) s): TCG emulation"
        ACCEL_ARGS=("${saved[@]}")
      fi
    fi ;;
  *) die "ATO_VM_ACCEL must be auto, kvm or tcg" ;;
esac

failed=()
start_all=$(date +%s)
for c in "${CONFIGS[@]}"; do
  res="$WORK/results/$c"
  rm -rf "$res"; mkdir -p "$res/reports"
  # This checkout's classes first; of Maven's class path only the libraries (a dev.ato jar there could be
  # another checkout's, from ~/.m2, or this one's mid-rebuild).
  {
    printf '%s' "$ROOT/ato-hosts/target/test-classes"
    printf ':%s' "$ROOT/ato-sandbox/target/test-classes" "$ROOT/ato-sandbox/target/classes" "$ROOT/ato-protocol/target/classes"
    tr ':' '\n' < "$CP_FILE" | grep -v -e '/dev/ato/' -e "^$ROOT/" | sed 's/^/:/' | tr -d '\n'
  } > "$res/classpath"
  echo "$JAVA" > "$res/java"
  [ "$c" = exec ] && cp "$ATO_VM_SCRIPT" "$res/exec.sh"
  secs=$(( ${ATO_VM_BOUND:-$(bound "$c")} * SCALE ))
  log "$c: booting $PKG (${ACCEL_ARGS[*]}, / over $FS, -m $MEM, JVM options '$JVM_OPTS', bound ${secs} s)"
  t0=$(date +%s)
  rc=0; boot "$c" "$res" "$secs" || rc=$?
  took=$(( $(date +%s) - t0 ))
  status="$(cat "$res/status" 2>/dev/null || true)"
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    why="FAIL timed out: no result after $secs s, QEMU killed (the console's last lines are above)"
  elif [ -z "$status" ]; then
    why="FAIL the VM stopped after ${took} s without a result (QEMU status $rc)"
    grep -q 'Kernel panic' "$res/console.log" && why="$why: kernel panic"
    grep -qE 'SIGSEGV|SIGILL|hs_err_pid' "$res/console.log" && why="$why: a JVM crashed (see console.log)"
  else
    why="$status"
  fi
  # Figures for the README: how long each configuration took and how many tests it ran.
  tests="$(sed -n 's/^\[ *\([0-9]*\) tests successful *\]$/\1/p' "$res/junit.txt" 2>/dev/null | head -n 1 || true)"
  log "$c: $why (${took} s${tests:+, $tests tests passed})"
  [ "$why" = PASS ] || failed+=("$c")
done
log "matrix: ${#CONFIGS[@]} configuration(s) in $(( $(date +%s) - start_all )) s; failed: ${failed[*]:-none}"
[ "${#failed[@]}" -eq 0 ]
exit
}
