#!/bin/sh
# klp-snapshot.sh: one JSON line describing this host's livepatch state, for
# `klp-verify audit fleet`. POSIX sh with coreutils only; reads, never writes.
#
#   sh klp-snapshot.sh                 # this host
#   sh klp-snapshot.sh --root DIR      # a copy of /sys and /proc under DIR (tests, offline)
#   KLP_SNAPSHOT_ROOT=DIR sh klp-snapshot.sh
#
# Prints {"host","kernel","bootId","livepatch":[{"name","enabled","transition","replace",
# "stackOrder"}],"modules":[...],"forced":[...]}: null where the kernel has no such attribute
# (transition 4.12, replace 6.11, stack_order 6.14). modules: loaded livepatch modules, the
# ones /proc/modules marks with taint K. forced: those off klp_patches whose module reference
# is still held (a forced transition never drops it), so they can never be removed.
set -u

root=${KLP_SNAPSHOT_ROOT:-}
while [ $# -gt 0 ]; do
  case "$1" in
    --root) root=${2:?--root needs a directory}; shift 2 ;;
    --root=*) root=${1#--root=}; shift ;;
    -h|--help) head -n 14 "$0" | tail -n 13; exit 0 ;;
    *) echo "klp-snapshot.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
done

# JSON string of a value: quotes, backslashes and control characters are dropped (host names,
# kernel releases and module names never need them).
str() {
  printf '"%s"' "$(printf '%s' "$1" | tr -d '"\\\000-\037')"
}

# A file's first line as a JSON string, or null when the file is missing or unreadable.
file_str() {
  if [ -r "$1" ]; then
    v=$(head -n 1 "$1" 2>/dev/null) || { printf 'null'; return; }
    str "$v"
  else
    printf 'null'
  fi
}

# A sysfs attribute as a JSON number, or null.
attr() {
  if [ -r "$1" ]; then
    v=$(head -n 1 "$1" 2>/dev/null | tr -cd '0-9')
    if [ -n "$v" ]; then printf '%s' "$v"; else printf 'null'; fi
  else
    printf 'null'
  fi
}

if [ -r "$root/proc/sys/kernel/hostname" ]; then
  host=$(head -n 1 "$root/proc/sys/kernel/hostname")
else
  host=$(uname -n)
fi
if [ -r "$root/proc/sys/kernel/osrelease" ]; then
  kernel=$(file_str "$root/proc/sys/kernel/osrelease")
else
  kernel=$(str "$(uname -r)")
fi
boot=$(file_str "$root/proc/sys/kernel/random/boot_id")

lp=""
onsysfs=" "
klp="$root/sys/kernel/livepatch"
if [ -d "$klp" ]; then
  for dir in "$klp"/*; do
    [ -d "$dir" ] || continue
    name=${dir##*/}
    onsysfs="$onsysfs$name "
    entry="{\"name\":$(str "$name"),\"enabled\":$(attr "$dir/enabled"),\"transition\":$(attr "$dir/transition"),\"replace\":$(attr "$dir/replace"),\"stackOrder\":$(attr "$dir/stack_order")}"
    lp="${lp:+$lp,}$entry"
  done
fi

mods=""
forced=""
if [ -r "$root/proc/modules" ]; then
  # name size refcnt deps state address [(taints)]
  while read -r name _size refcnt _deps _state _addr taints; do
    case "${taints:-}" in
      *K*) ;;
      *) continue ;;
    esac
    mods="${mods:+$mods,}$(str "$name")"
    case "$onsysfs" in
      *" $name "*) ;;
      *) if [ "${refcnt:-0}" -gt 0 ] 2>/dev/null; then forced="${forced:+$forced,}$(str "$name")"; fi ;;
    esac
  done < "$root/proc/modules"
  printf '{"host":%s,"kernel":%s,"bootId":%s,"livepatch":[%s],"modules":[%s],"forced":[%s]}\n' \
    "$(str "$host")" "$kernel" "$boot" "$lp" "$mods" "$forced"
else
  printf '{"host":%s,"kernel":%s,"bootId":%s,"livepatch":[%s],"modules":[],"forced":null}\n' \
    "$(str "$host")" "$kernel" "$boot" "$lp"
fi
