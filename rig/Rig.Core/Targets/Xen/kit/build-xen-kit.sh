#!/usr/bin/env bash
# Builds the xen-tcg kit from Debian's packages: Xen's multiboot ELF, the dom0 kernel and a dom0 initramfs
# (busybox, xl and its daemons with the libraries they need, the Xen kernel modules, the rig's agent).
#   build-xen-kit.sh CACHE_ROOT [XEN_SERIES]
# Prints the kit directory on its last stdout line: CACHE_ROOT/<key>, the key a hash of the exact package files,
# so a new Debian point release builds a new kit and an unchanged one is reused without downloading.
# Exit 3 with "unavailable: <reason>" on stderr when this host cannot build it (no apt, a package missing).
# Shell because the work is apt-get, dpkg-deb and cpio plumbing; the recipe is shared/notes/xen-under-tcg.md.
set -euo pipefail

CACHE_ROOT="$1"
SERIES="${2:-4.17}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

unavailable() { printf 'unavailable: %s\n' "$*" >&2; exit 3; }

for tool in apt-get apt-cache dpkg-deb readelf gzip sha256sum; do
  command -v "$tool" >/dev/null || unavailable "$tool not found (the kit is built from Debian packages with apt-get and dpkg-deb; readelf is in binutils)"
done

# A clean machine (CI) may have no package lists yet; as root, fetch them once.
if ! apt-cache show "xen-utils-$SERIES" >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null 2>&1 || true
fi

# linux-image-amd64 is a metapackage: its one dependency is the versioned kernel package.
kernel_package="$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n 1)"
[ -n "$kernel_package" ] || unavailable "apt knows no linux-image-amd64 (run apt-get update; a Debian archive must be configured)"

# xl and the daemons need the dependency closure of xen-utils (libraries, found again below through DT_NEEDED);
# HVM guests need Debian's device model, qemu-system-xen (QEMU with Xen's ioreq server: UARTs, direct kernel boot).
closure="$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces --no-enhances \
  "xen-hypervisor-$SERIES-amd64" "xen-utils-$SERIES" xenstore-utils qemu-system-xen 2>/dev/null | grep -E '^[a-z0-9]' | sort -u || true)"
echo "$closure" | grep -qx "xen-utils-$SERIES" || unavailable "apt knows no xen-utils-$SERIES (Debian 12 ships Xen 4.17; run apt-get update)"
packages=($closure "$kernel_package" busybox-static)

# Exact file names (name_version_arch.deb) without downloading: the cache key.
uris="$(apt-get download --print-uris "${packages[@]}" 2>/dev/null)" || unavailable "apt-get download --print-uris failed for: ${packages[*]}"
files="$(printf '%s\n' "$uris" | awk '{print $2}' | sort)"
key="$(printf '%s\n%s\n' "$files" "$(cat "$HERE/init" "$HERE/rig-agent" "$0" | sha256sum)" | sha256sum | cut -c1-16)"
kit="$CACHE_ROOT/$key"
if [ -f "$kit/kit.done" ]; then
  echo "$kit"
  exit 0
fi

debs="$CACHE_ROOT/debs"
mkdir -p "$debs"
(cd "$debs" && apt-get download "${packages[@]}" >/dev/null 2>"$CACHE_ROOT/apt-download.log") \
  || unavailable "apt-get download failed: $(tail -n 2 "$CACHE_ROOT/apt-download.log" | tr '\n' ' ')"

work="$(mktemp -d "$CACHE_ROOT/build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
stage="$work/stage"
root="$work/root"
mkdir -p "$stage" "$root"
while IFS= read -r file; do
  dpkg-deb -x "$debs/$file" "$stage"
done <<<"$files"

xen_gz="$stage/boot/xen-$SERIES-amd64.gz"
[ -f "$xen_gz" ] || unavailable "xen-hypervisor-$SERIES-amd64 has no boot/xen-$SERIES-amd64.gz"
mkdir -p "$work/kit"
gzip -dc "$xen_gz" >"$work/kit/xen.elf"
cp "$stage"/boot/vmlinuz-* "$work/kit/vmlinuz"
kernel_release="$(basename "$(ls -d "$stage"/lib/modules/*)")"

# The dom0 tree: busybox installs its applets at boot (init), the Xen tools keep their Debian paths.
mkdir -p "$root"/{bin,sbin,etc/xen,dev,proc,sys,tmp,run,var/run/xen,var/lib/xen,var/log/xen/console,probes,lib64}
cp "$stage/bin/busybox" "$root/bin/busybox"
tools_dir="usr/lib/xen-$SERIES"
mkdir -p "$root/$tools_dir/bin" "$root/$tools_dir/boot" "$root/usr/bin"
for tool in xl xenstored xenconsoled xen-init-dom0 xenconsole libxl-save-helper; do
  cp "$stage/$tools_dir/bin/$tool" "$root/$tools_dir/bin/"
done
cp "$stage/$tools_dir/boot/hvmloader" "$root/$tools_dir/boot/"
# The HVM device model where Debian's libxl looks for it, SeaBIOS (libxl hands it to hvmloader), and the option
# ROMs of QEMU's direct kernel boot: pvh.bin enters a PVH ELF (the probes) at its XEN_ELFNOTE_PHYS32_ENTRY.
dm=usr/libexec/xen-qemu-system-i386
[ -f "$stage/$dm" ] || unavailable "qemu-system-xen has no $dm"
mkdir -p "$root/usr/libexec" "$root/usr/share/seabios" "$root/usr/share/qemu"
cp "$stage/$dm" "$root/$dm"
cp "$stage/usr/share/seabios/bios-256k.bin" "$root/usr/share/seabios/"
cp -r "$stage/usr/share/qemu/keymaps" "$root/usr/share/qemu/"
for rom in pvh.bin linuxboot.bin linuxboot_dma.bin multiboot.bin multiboot_dma.bin kvmvapic.bin; do
  cp "$stage/usr/share/qemu/$rom" "$root/usr/share/qemu/"
done
for tool in xenstore xenstore-read xenstore-write xenstore-ls xenstore-list; do
  cp -P "$stage/usr/bin/$tool" "$root/usr/bin/"
done
cp -r "$stage/etc/xen/scripts" "$root/etc/xen/"
# autoballoon off: dom0_mem fixes dom0's size, so xl must not try to balloon dom0 down for each guest.
printf 'autoballoon="off"\n' >"$root/etc/xen/xl.conf"

# Shared libraries: follow DT_NEEDED from every ELF in the tree, resolving names inside the staged packages.
declare -A copied=()
need_libs() {
  local elf="$1" lib path
  for lib in $(readelf -d "$elf" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
    [ -n "${copied[$lib]:-}" ] && continue
    path="$(find "$stage/lib" "$stage/usr/lib" "$stage/lib64" -name "$lib" \( -type f -o -type l \) 2>/dev/null | head -n 1)"
    [ -n "$path" ] || unavailable "no package in the closure provides $lib (needed by ${elf#"$root"/})"
    copied[$lib]=1
    mkdir -p "$root/lib/x86_64-linux-gnu"
    cp -L "$path" "$root/lib/x86_64-linux-gnu/$lib"
    need_libs "$root/lib/x86_64-linux-gnu/$lib"
  done
}
while IFS= read -r elf; do
  need_libs "$elf"
done < <(find "$root/$tools_dir/bin" "$root/usr/bin" "$root/usr/libexec" -type f)
loader="$(find "$stage" -name 'ld-linux-x86-64.so.2' | head -n 1)"
cp -L "$loader" "$root/lib64/ld-linux-x86-64.so.2"
mkdir -p "$root/usr/lib"
ln -s ../lib/x86_64-linux-gnu "$root/usr/lib/x86_64-linux-gnu"

# Kernel modules dom0 needs for xl: event channels, grant tables, privcmd, xenfs; depmod by busybox from the kit.
modules="lib/modules/$kernel_release"
mkdir -p "$root/$modules"
for module in xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs; do
  path="$(find "$stage/$modules" -name "$module.ko*" | head -n 1)"
  [ -n "$path" ] || unavailable "$kernel_package has no $module module"
  mkdir -p "$root/$(dirname "${path#"$stage"/}")"
  cp "$path" "$root/${path#"$stage"/}"
done
cp "$stage/$modules"/modules.{order,builtin,builtin.modinfo} "$root/$modules/"
"$root/bin/busybox" depmod -b "$root" "$kernel_release"

install -m 0755 "$HERE/init" "$root/init"
install -m 0755 "$HERE/rig-agent" "$root/bin/rig-agent"

(cd "$root" && find . | LC_ALL=C sort | "$root/bin/busybox" cpio -o -H newc 2>/dev/null) | gzip -1 >"$work/kit/dom0.cpio.gz"
version="$(printf '%s\n' "$files" | sed -n "s/^xen-hypervisor-$SERIES-amd64_\([^_]*\)_.*/\1/p" | sed 's/%3a/:/')"
printf 'xen %s\nkernel %s\n' "$version" "$kernel_release" >"$work/kit/versions"
printf '%s\n' "$files" >"$work/kit/packages"
touch "$work/kit/kit.done"
rm -rf "$kit"
mv "$work/kit" "$kit"
echo "$kit"
