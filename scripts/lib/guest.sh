# Sourced by scripts/demo-peers/* and by integration tests: boots the tiny test guest (scripts/build-guest)
# under QEMU/TCG or libvirt and drives DPDK's dpdk-testpmd as a real vhost-user peer. docs/testing.md shows
# the command lines these functions produce and what they print.
#
# Everything a caller starts is recorded and torn down by vw_cleanup (install it with vw_install_cleanup):
# processes by their pid, libvirt domains by name, the run directory with its sockets and logs.
#
#   vw_need CMD PACKAGE...            apt-installs PACKAGE(s) if CMD is missing (root), else fails naming them
#   vw_install_cleanup SECONDS        trap EXIT/INT/TERM/PIPE -> vw_cleanup; the script is ended after SECONDS
#                                     (VW_LIMIT overrides SECONDS)
#   vw_rundir                         makes $VW_RUN (a fresh /tmp/vw.XXXXXX, readable by libvirt's qemu user)
#   vw_guest_image                    sets VW_KERNEL/VW_INITRD, building the image if it is missing
#   vw_guest_qemu_args OPTIONS...     fills the array VW_QEMU_ARGS with a QEMU/TCG command line (see below)
#   vw_guest_start NAME SECONDS       runs qemu-system-x86_64 "${VW_QEMU_ARGS[@]}" in the background, bounded
#   vw_wait_for FILE REGEX SECONDS    waits until a line of FILE matches REGEX and prints it (1 on timeout)
#   vw_testpmd_start NAME ARGS...     runs dpdk-testpmd ARGS (add -i) with a fifo on stdin; log $VW_RUN/NAME.log
#   vw_testpmd_cmd NAME "COMMAND"     types COMMAND at that testpmd's prompt
#   vw_testpmd_port_stat NAME PORT FIELD   RX-packets/TX-packets/... of the last `show port stats` of PORT
#   vw_testpmd_stop NAME              quit, waits for exit (kills after 10 s)
#   vw_libvirt_domain_xml NAME CMDLINE SERIAL_LOG [VHOST_SOCK MAC]...   prints a TCG direct-kernel-boot domain
#                                     (VW_VHOST_MODE=server: QEMU creates the sockets, the backend connects)
#   vw_libvirt_start XMLFILE          virsh define + start, recorded for destroy + undefine

VW_ROOT="${VW_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
VW_VIRSH="${VW_VIRSH:-virsh -c qemu:///system}"
VW_PIDS=()
VW_DOMAINS=()
VW_RUN=""
declare -A VW_TESTPMD_FD=() VW_TESTPMD_PID=() VW_TESTPMD_PREFIX=()

vw_log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

# vw_need COMMAND DEBIAN_PACKAGE...: installs the packages with apt when COMMAND is missing (as root),
# or fails naming them.
vw_need() {
  local cmd="$1"
  shift
  command -v "$cmd" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "vw: $cmd is missing; install Debian package(s) $* (apt-get install $*)" >&2
    return 1
  fi
  vw_log "installing $* for $cmd"
  { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"; } >&2 ||
    { echo "vw: apt-get install $* failed; $cmd is needed" >&2; return 1; }
}

vw_cleanup() {
  local rc=$? d p name
  trap - EXIT INT TERM
  for d in "${VW_DOMAINS[@]}"; do
    $VW_VIRSH destroy "$d" >/dev/null 2>&1 || true
    $VW_VIRSH undefine "$d" >/dev/null 2>&1 || true
  done
  local fd
  for name in "${!VW_TESTPMD_FD[@]}"; do
    fd="${VW_TESTPMD_FD[$name]}"
    exec {fd}>&- 2>/dev/null || true
  done
  for p in "${VW_PIDS[@]}"; do
    pkill -TERM -P "$p" 2>/dev/null || true   # e.g. the watchdog's sleep
    kill -TERM "$p" 2>/dev/null || true
  done
  for p in "${VW_PIDS[@]}"; do
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.3; done
    kill -KILL "$p" 2>/dev/null || true
  done
  local mnt
  for name in "${!VW_TESTPMD_PREFIX[@]}"; do
    rm -rf "/var/run/dpdk/${VW_TESTPMD_PREFIX[$name]}"
    # A killed DPDK process leaves its hugepage files behind (PREFIXmap_N); they hold the pages.
    for mnt in $(awk '$3 == "hugetlbfs" { print $2 }' /proc/mounts); do
      rm -f "$mnt/${VW_TESTPMD_PREFIX[$name]}"map_*
    done
  done
  if [ -n "$VW_RUN" ] && [ -d "$VW_RUN" ] && [ -z "${VW_KEEP:-}" ]; then
    rm -rf "$VW_RUN"
  elif [ -n "$VW_RUN" ]; then
    vw_log "kept $VW_RUN (VW_KEEP set)"
  fi
  exit "$rc"
}

# The watchdog is a background sleep; its pid is recorded so cleanup ends it too.
vw_install_cleanup() {
  local limit="${VW_LIMIT:-$1}"
  trap vw_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap 'exit 141' PIPE   # e.g. writing to a testpmd that died: still clean up
  (sleep "$limit" && echo "vw: time limit of ${limit}s reached, cleaning up" >&2 && kill -TERM $$) &
  VW_PIDS+=($!)
}

vw_rundir() {
  VW_RUN="$(mktemp -d /tmp/vw.XXXXXX)"
  chmod 0755 "$VW_RUN"   # libvirt runs QEMU as libvirt-qemu: it must reach sockets and logs in here
}

vw_guest_image() {
  local dir="${VW_GUEST_DIR:-$VW_ROOT/build/guest}"
  if [ ! -f "$dir/vmlinuz" ] || [ ! -f "$dir/initramfs.cpio.gz" ] ||
     [ "$VW_ROOT/scripts/build-guest" -nt "$dir/initramfs.cpio.gz" ]; then
    "$VW_ROOT/scripts/build-guest" "$dir" >/dev/null
  fi
  VW_KERNEL="$dir/vmlinuz"
  VW_INITRD="$dir/initramfs.cpio.gz"
}

# vw_guest_qemu_args [--mem MB] [--serial QEMU_CHARDEV_SPEC] [--append "vw.ip=... vw.run=..."]
#                    [--nic KIND --mac MAC]...
#   --serial file:PATH (default), stdio, unix:PATH,server=on,wait=off (any -serial value)
#   --nic user | socket-listen=HOST:PORT | socket-connect=HOST:PORT | vhost-user=SOCKET[,server]
#   --vectors N|default   MSI-X vectors of vhost-user NICs (default 0; "default" leaves QEMU's choice)
# vhost-user NICs get the memfd shared-memory backend (required: the backend maps guest RAM) and
# vectors=0 (QEMU 7.2 under TCG crashes on MSI-X with a vhost-user virtio-net-pci device).
vw_guest_qemu_args() {
  vw_need qemu-system-x86_64 qemu-system-x86 || return 1
  local mem=256 serial="" append="" nic_kinds=() macs=() need_shared=0 i kind vectors=",vectors=0"
  while [ $# -gt 0 ]; do
    case "$1" in
      --mem) mem="$2"; shift 2 ;;
      --serial) serial="$2"; shift 2 ;;
      --append) append="$2"; shift 2 ;;
      --nic) nic_kinds+=("$2"); shift 2 ;;
      --mac) macs+=("$2"); shift 2 ;;
      --vectors) if [ "$2" = default ]; then vectors=""; else vectors=",vectors=$2"; fi; shift 2 ;;
      *) echo "vw_guest_qemu_args: unknown option '$1' (expected --mem, --serial, --append, --nic, --mac, --vectors)" >&2; return 2 ;;
    esac
  done
  vw_guest_image
  VW_QEMU_ARGS=(-accel tcg -machine pc -cpu "${VW_QEMU_CPU:-qemu64}" -smp 1 -m "$mem" -nodefaults -nographic -no-reboot
    -serial "${serial:-stdio}" -kernel "$VW_KERNEL" -initrd "$VW_INITRD"
    -append "console=ttyS0 panic=-1 no_timer_check $append")
  for i in "${!nic_kinds[@]}"; do
    kind="${nic_kinds[$i]}"
    local mac="${macs[$i]:-52:54:00:00:00:$(printf %02x $((i + 1)))}" dev="-device"
    case "$kind" in
      user) VW_QEMU_ARGS+=(-netdev "user,id=n$i" "$dev" "virtio-net-pci,netdev=n$i,mac=$mac") ;;
      socket-listen=*) VW_QEMU_ARGS+=(-netdev "socket,id=n$i,listen=${kind#*=}" "$dev" "virtio-net-pci,netdev=n$i,mac=$mac") ;;
      socket-connect=*) VW_QEMU_ARGS+=(-netdev "socket,id=n$i,connect=${kind#*=}" "$dev" "virtio-net-pci,netdev=n$i,mac=$mac") ;;
      vhost-user=*)
        local sock="${kind#*=}" server=""
        case "$sock" in *,server) sock="${sock%,server}"; server=",server=on" ;; esac
        VW_QEMU_ARGS+=(-chardev "socket,id=c$i,path=$sock$server"
          -netdev "vhost-user,id=n$i,chardev=c$i"
          "$dev" "virtio-net-pci,netdev=n$i,mac=$mac$vectors")
        need_shared=1 ;;
      *) echo "vw_guest_qemu_args: unknown --nic '$kind'" >&2; return 2 ;;
    esac
  done
  if [ "$need_shared" = 1 ]; then
    VW_QEMU_ARGS+=(-object "memory-backend-memfd,id=mem,size=${mem}M,share=on" -numa "node,memdev=mem")
  fi
}

# vw_guest_start NAME SECONDS: stdout/stderr of QEMU go to $VW_RUN/NAME.qemu.log; the serial console goes
# wherever --serial said (default stdio, i.e. into that same log).
vw_guest_start() {
  local name="$1" limit="$2"
  vw_log "guest $name: qemu-system-x86_64 ${VW_QEMU_ARGS[*]}"
  timeout --kill-after=5 "$limit" qemu-system-x86_64 -name "$name" "${VW_QEMU_ARGS[@]}" \
    </dev/null >"$VW_RUN/$name.qemu.log" 2>&1 &
  VW_PIDS+=($!)
  eval "VW_GUEST_PID_${name//[^A-Za-z0-9_]/_}=$!"
}

vw_wait_for() {
  local file="$1" regex="$2" limit="$3" deadline line
  deadline=$((SECONDS + limit))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if [ -f "$file" ] && line="$(grep -a -m1 -E "$regex" "$file")"; then
      printf '%s\n' "$line" | tr -d '\r'
      return 0
    fi
    sleep 0.2
  done
  vw_log "timeout after ${limit}s waiting for /$regex/ in $file"
  return 1
}

# vw_testpmd_start NAME ARGS...: EAL and app arguments as for dpdk-testpmd; a unique --file-prefix is added.
# testpmd quits when stdin reaches EOF, so stdin is a fifo that this shell holds open until vw_testpmd_stop.
vw_testpmd_start() {
  local name="$1" fifo fd prefix
  shift
  vw_need dpdk-testpmd dpdk-dev || return 1
  fifo="$VW_RUN/$name.stdin"
  prefix="vw-$name-$$"
  mkfifo "$fifo"
  vw_log "testpmd $name: dpdk-testpmd --file-prefix $prefix $*"
  # stdout is a file: without stdbuf, testpmd's stats (stdio) would only show up at exit.
  stdbuf -oL -eL dpdk-testpmd --file-prefix "$prefix" "$@" <"$fifo" >"$VW_RUN/$name.log" 2>&1 &
  VW_TESTPMD_PID[$name]=$!
  VW_PIDS+=($!)
  VW_TESTPMD_PREFIX[$name]="$prefix"
  exec {fd}>"$fifo"
  VW_TESTPMD_FD[$name]="$fd"
  vw_wait_for "$VW_RUN/$name.log" '^testpmd> |Error - exiting' 60 >/dev/null || return 1
  if grep -aq 'Error - exiting' "$VW_RUN/$name.log"; then
    vw_log "testpmd $name failed to start:"; tail -5 "$VW_RUN/$name.log" >&2; return 1
  fi
}

vw_testpmd_cmd() {
  printf '%s\n' "$2" >&"${VW_TESTPMD_FD[$1]}"
}

# Prints FIELD (RX-packets, TX-packets, RX-bytes, ...) of port PORT from the newest `show port stats` block.
vw_testpmd_port_stat() {
  local name="$1" port="$2" field="$3"
  awk -v port="$port" -v field="$field" '
    /NIC statistics for port/ { cur = ($(NF - 1) == port) }
    cur { for (i = 1; i < NF; i++) if ($i == field ":") val = $(i + 1) }
    END { print (val == "" ? "unknown" : val) }' "$VW_RUN/$name.log"
}

# Asks for the port stats and waits until the printed block is complete.
vw_testpmd_show_stats() {
  local name="$1" before
  before="$(grep -ac "NIC statistics for port" "$VW_RUN/$name.log" || true)"
  vw_testpmd_cmd "$name" "show port stats all"
  local deadline=$((SECONDS + 10))
  while [ "$SECONDS" -lt "$deadline" ]; do
    [ "$(grep -ac "Tx-pps" "$VW_RUN/$name.log" || true)" -gt "$before" ] && sleep 0.2 && return 0
    sleep 0.2
  done
  return 1
}

vw_testpmd_stop() {
  local name="$1" pid="${VW_TESTPMD_PID[$1]}"
  local fd="${VW_TESTPMD_FD[$name]}"
  vw_testpmd_cmd "$name" "quit" 2>/dev/null || true
  exec {fd}>&-
  unset "VW_TESTPMD_FD[$name]"
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
  kill -KILL "$pid" 2>/dev/null || true
}

# vw_libvirt_domain_xml NAME CMDLINE SERIAL_LOG [VHOST_SOCK MAC]...
# type='qemu' (TCG), direct kernel boot, serial console into a file (written by virtlogd), memfd shared
# memory (vhost-user needs it), vhost-user NICs as client of VHOST_SOCK, and the vectors=0 workaround
# through <qemu:override> (libvirt >= 8.2; checked on libvirt 9.0 / QEMU 7.2: the device JSON gets "vectors":0).
vw_libvirt_domain_xml() {
  local name="$1" cmdline="$2" serial="$3" i=0
  shift 3
  vw_guest_image
  local xml_cmdline="${cmdline//&/&amp;}"
  xml_cmdline="${xml_cmdline//</&lt;}"
  xml_cmdline="${xml_cmdline//>/&gt;}"
  cat <<EOF
<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>$name</name>
  <memory unit='MiB'>256</memory>
  <memoryBacking>
    <source type='memfd'/>
    <access mode='shared'/>
  </memoryBacking>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$VW_KERNEL</kernel>
    <initrd>$VW_INITRD</initrd>
    <cmdline>console=ttyS0 panic=-1 no_timer_check $xml_cmdline</cmdline>
  </os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <serial type='file'>
      <source path='$serial'/>
      <target port='0'/>
    </serial>
EOF
  local overrides=""
  while [ $# -ge 2 ]; do
    cat <<EOF
    <interface type='vhostuser'>
      <mac address='$2'/>
      <source type='unix' path='$1' mode='${VW_VHOST_MODE:-client}'/>
      <model type='virtio'/>
    </interface>
EOF
    overrides+="    <qemu:device alias='net$i'>
      <qemu:frontend>
        <qemu:property name='vectors' type='unsigned' value='0'/>
      </qemu:frontend>
    </qemu:device>
"
    i=$((i + 1))
    shift 2
  done
  cat <<EOF
    <memballoon model='none'/>
  </devices>
EOF
  if [ -n "$overrides" ]; then
    printf '  <qemu:override>\n%s  </qemu:override>\n' "$overrides"
  fi
  echo "</domain>"
}

vw_libvirt_start() {
  local xml="$1" name
  name="$(sed -n 's:.*<name>\(.*\)</name>.*:\1:p' "$xml" | head -1)"
  $VW_VIRSH define "$xml" >/dev/null || return 1
  VW_DOMAINS+=("$name")
  $VW_VIRSH start "$name" >/dev/null
}
