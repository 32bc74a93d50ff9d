#!/usr/bin/env bash
# End-to-end sync through real Syncthing: two daemons on loopback, each in
# its own home folder, share one folder; two readers' libraries exchange
# annotations through it, including edits made while one daemon is stopped.
#
#   Tools/sync-e2e-syncthing.sh [--bin DIR]     # DIR holds the marginalia binary (default .build/debug)
#
# Needs syncthing, curl and python3 (Debian: apt-get install syncthing curl python3).
# Exits 0 when both libraries end with the same state hash and every
# annotation; prints what it does on stderr.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/.build/debug"
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) bin="$2"; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "sync-e2e-syncthing: unknown argument $1 (see --help)" >&2; exit 64 ;;
  esac
done
for tool in syncthing curl python3; do
  command -v "$tool" >/dev/null || { echo "sync-e2e-syncthing: $tool is missing (apt-get install syncthing curl)" >&2; exit 69; }
done
m="$bin/marginalia"
[ -x "$m" ] || { echo "sync-e2e-syncthing: no marginalia binary in $bin (swift build first)" >&2; exit 69; }

work=$(mktemp -d)
export HOME="$work" STHASHING=standard STNOUPGRADE=1 NO_COLOR=1 USER=tester
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
say() { echo "sync-e2e-syncthing: $*" >&2; }
fail() { say "FAILED: $*"; for side in a b; do tail -5 "$work/$side/syncthing.log" >&2 || true; done; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
key=marginalia-e2e-key
declare -A listen gui device
for side in a b; do
  mkdir -p "$work/$side/share"
  syncthing generate --home="$work/$side/st" --no-default-folder --skip-port-probing >/dev/null 2>&1
  device[$side]=$(syncthing serve --home="$work/$side/st" --device-id)
  listen[$side]=$(free_port)
  gui[$side]=$(free_port)
done

# Configure before the first start: loopback only, no discovery, relays or
# reporting, the peer at an explicit address, one shared folder.
configure() {
  local side=$1 peer=$2
  python3 - "$work/$side/st/config.xml" "${listen[$side]}" "${gui[$side]}" "$key" "${device[$peer]}" \
    "${listen[$peer]}" "$work/$side/share" <<'EOF'
import copy, sys, xml.etree.ElementTree as ET
path, port, gui_port, key, peer, peer_port, folder_path = sys.argv[1:]
tree = ET.parse(path)
root = tree.getroot()
options = root.find("options")
def set_option(name, value):
    node = options.find(name)
    if node is None:
        node = ET.SubElement(options, name)
    node.text = value
set_option("listenAddress", f"tcp://127.0.0.1:{port}")
for name in ("globalAnnounceEnabled", "localAnnounceEnabled", "relaysEnabled", "natEnabled", "crashReportingEnabled", "startBrowser"):
    set_option(name, "false")
set_option("urAccepted", "-1")
set_option("autoUpgradeIntervalH", "0")
set_option("reconnectionIntervalS", "5")
root.find("gui/address").text = f"127.0.0.1:{gui_port}"
root.find("gui/apikey").text = key
defaults = root.find("defaults")
peer_device = copy.deepcopy(defaults.find("device"))
peer_device.set("id", peer)
peer_device.set("name", "peer")
peer_device.find("address").text = f"tcp://127.0.0.1:{peer_port}"
root.insert(1, peer_device)
folder = copy.deepcopy(defaults.find("folder"))
folder.set("id", "marginalia")
folder.set("label", "marginalia")
folder.set("path", folder_path)
folder.set("fsWatcherDelayS", "1")
folder.set("rescanIntervalS", "60")
shared_with = ET.SubElement(folder, "device", {"id": peer, "introducedBy": ""})
ET.SubElement(shared_with, "encryptionPassword")
root.insert(1, folder)
tree.write(path)
EOF
}
configure a b
configure b a

api() { local side=$1 method=$2 path=$3; curl -fsS -X "$method" -H "X-API-Key: $key" "http://127.0.0.1:${gui[$side]}$path"; }
start() {
  local side=$1
  syncthing serve --home="$work/$side/st" --no-browser --no-restart --logfile="$work/$side/syncthing.log" >/dev/null 2>&1 &
  pids+=($!)
  eval "pid_$side=$!"
  for _ in $(seq 1 150); do api "$side" GET /rest/system/ping >/dev/null 2>&1 && return 0; sleep 0.2; done
  fail "syncthing $side did not start"
}
stop() {
  local side=$1 pid
  eval "pid=\$pid_$side"
  api "$side" POST /rest/system/shutdown >/dev/null 2>&1 || true
  wait "$pid" 2>/dev/null || true
}
connected() {
  api a GET /rest/system/connections 2>/dev/null | python3 -c \
    "import json,sys; sys.exit(0 if json.load(sys.stdin)['connections']['${device[b]}']['connected'] else 1)"
}
wait_connected() {
  for _ in $(seq 1 120); do connected && return 0; sleep 0.5; done
  fail "the daemons did not connect"
}
scan() { api "$1" POST "/rest/db/scan?folder=marginalia" >/dev/null; }
# Waits until every bundle listed under one side's folder is under the other's too.
wait_same_files() {
  local listing='cd "$0" && find replicas readers -type f ! -name ".syncthing.*" ! -name "acks.json" 2>/dev/null | sort'
  for _ in $(seq 1 240); do
    scan a; scan b
    if [ "$(sh -c "$listing" "$work/a/share")" = "$(sh -c "$listing" "$work/b/share")" ] \
      && [ -f "$work/b/share/marginalia-sync.json" ] && [ -f "$work/a/share/marginalia-sync.json" ]; then
      return 0
    fi
    sleep 0.5
  done
  fail "the two folders did not converge"
}
hash_of() { "$m" status --json --library "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["stateHash"])'; }
count_of() { "$m" list --json --library "$1" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }

say "starting two syncthing daemons on loopback"
start a
start b
wait_connected

A="$work/a/library.sqlite"
B="$work/b/library.sqlite"
printf 'Reading in company.\n\nA book read together is a different book: every margin holds two voices.\nThe second reader finds what the first one missed.\n' > "$work/essay.txt"
"$m" init --library "$A" --name Ada >/dev/null 2>&1
"$m" init --library "$B" --name Bo >/dev/null 2>&1
"$m" doc add --library "$A" "$work/essay.txt" --id essay >/dev/null 2>&1
"$m" annotate --library "$A" essay --quote "two voices" --note "Ada: the thesis" >/dev/null
"$m" remote add --library "$A" club "$work/a/share" --group >/dev/null 2>&1
"$m" sync --library "$A" >/dev/null

say "Ada started a group channel; waiting for Syncthing to carry it to Bo"
wait_same_files
"$m" remote add --library "$B" club "$work/b/share" >/dev/null 2>&1
"$m" sync --library "$B" >/dev/null
[ "$(count_of "$B")" = 1 ] || fail "Bo does not see Ada's annotation"
"$m" annotate --library "$B" essay --quote "what the first one missed" --note "Bo: and the reverse" >/dev/null
"$m" sync --library "$B" >/dev/null
wait_same_files
"$m" sync --library "$A" >/dev/null
[ "$(count_of "$A")" = 2 ] || fail "Ada does not see Bo's annotation"

say "stopping Bo's daemon; both write while it is down"
stop b
"$m" annotate --library "$A" essay --quote "A book read together" --note "Ada, while Bo was offline" >/dev/null
"$m" sync --library "$A" >/dev/null
"$m" annotate --library "$B" essay --quote "a different book" --note "Bo, offline" >/dev/null
"$m" sync --library "$B" >/dev/null
sleep 1
say "restarting Bo's daemon"
start b
wait_connected
wait_same_files
for _ in 1 2; do "$m" sync --library "$A" >/dev/null; "$m" sync --library "$B" >/dev/null; wait_same_files; done

hash_a=$(hash_of "$A")
hash_b=$(hash_of "$B")
count_a=$(count_of "$A")
count_b=$(count_of "$B")
say "Ada: $count_a annotations, state $hash_a"
say "Bo:  $count_b annotations, state $hash_b"
[ "$count_a" = 4 ] && [ "$count_b" = 4 ] || fail "expected 4 annotations on both sides"
[ "$hash_a" = "$hash_b" ] || fail "the state hashes differ"
stop a
stop b
say "passed: both libraries converged through Syncthing"
