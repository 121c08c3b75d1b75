// Filesystem names by statfs magic, and which of them can share extents (reflink).
const NAMES: Record<number, string> = {
  0x9123683e: 'btrfs',
  0x58465342: 'xfs',
  0xca451a4e: 'bcachefs',
  0x2fc12fc1: 'zfs',
  0x794c7630: 'overlayfs',
  0x65735546: 'fuse',
  0x6969: 'nfs',
  0x00c36400: 'ceph',
  0xff534d42: 'cifs',
  0xfe534d42: 'smb2',
  0x01021994: 'tmpfs',
  0xef53: 'ext4',
  0x9fa0: 'proc',
  0x62656572: 'sysfs',
  0x74726163: 'tracefs',
  0x64626720: 'debugfs',
  0x73636673: 'securityfs',
  0x27e0eb: 'cgroup',
  0x63677270: 'cgroup2',
  0x62656570: 'configfs',
  0x6165676c: 'pstore',
  0xde5e81e4: 'efivarfs',
  0xcafe4a11: 'bpf',
  0x4d44: 'vfat',
  0x2011bab0: 'exfat',
  0x5346544e: 'ntfs',
  0x7366746e: 'ntfs3',
  0x9660: 'iso9660',
  0x73717368: 'squashfs',
  0xf2f52010: 'f2fs',
  0x858458f6: 'ramfs',
  0x6e736673: 'nsfs',
  0x1cd1: 'devpts',
};

const REFLINK = new Set(['btrfs', 'xfs', 'bcachefs', 'zfs', 'overlayfs', 'nfs', 'cifs', 'smb2', 'ocfs2']);

export function fsTypeName(magic: number | bigint): string {
  const n = Number(magic) >>> 0;
  return NAMES[n] ?? `0x${n.toString(16)}`;
}

export function fsCanReflink(name: string): boolean {
  return REFLINK.has(name);
}
