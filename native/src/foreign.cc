// Foreign destinations (see foreign.h): name rules, the mapping, case folding, problems, and the
// plain reading of a destination's errors.
#include "foreign.h"

#include <errno.h>
#include <locale.h>
#include <string.h>
#include <wctype.h>

#include <algorithm>
#include <cctype>

namespace ferry {

namespace {

bool forbidden_ascii(unsigned char c) { return c < 0x20 || (c && strchr("\"*:<>?\\|", c) != nullptr); }

// U+F000 + b in UTF-8.
void put_private(std::string& out, unsigned char b) {
  out += (char)0xEF;
  out += (char)(0x80 | (b >> 6));
  out += (char)(0x80 | (b & 0x3F));
}

// The part of a name Windows compares with its device names: up to the first '.', without
// trailing spaces.
size_t device_stem_len(const std::string& n) {
  size_t end = n.find('.');
  if (end == std::string::npos) end = n.size();
  while (end > 0 && n[end - 1] == ' ') end--;
  return end;
}

bool is_device_name(const std::string& n) {
  const size_t len = device_stem_len(n);
  if (len != 3 && len != 4) return false;
  std::string s = n.substr(0, len);
  for (char& c : s) c = (char)toupper((unsigned char)c);
  if (len == 3) return s == "CON" || s == "PRN" || s == "AUX" || s == "NUL";
  return (s.compare(0, 3, "COM") == 0 || s.compare(0, 3, "LPT") == 0) && s[3] >= '0' && s[3] <= '9';
}

// "':'" or "a control character (0x01)".
std::string char_words(unsigned char c) {
  if (c < 0x20) {
    char buf[48];
    snprintf(buf, sizeof buf, "a control character (0x%02X)", c);
    return buf;
  }
  return std::string("'") + (char)c + "'";
}

// "4 GiB" for FAT32's 4 GiB - 1 byte: the limit as people say it.
std::string limit_words(uint64_t max) {
  const uint64_t gib = 1ull << 30;
  if ((max + 1) % gib == 0) return std::to_string((max + 1) / gib) + " GiB";
  return format_size(max);
}

// The first rule of `rules` in the order a person reads a name's problems.
uint8_t first_rule(uint8_t rules) {
  for (uint8_t r : {kNameEncoding, kNameChars, kNameTrailing, kNameReserved})
    if (rules & r) return r;
  return 0;
}

std::string name_reason(const FsKind& dst, const std::string& name, const NameFault& f, uint8_t rule, bool refused) {
  const std::string fs = fs_label(dst);
  // Stored, but Windows cannot open it: "(NTFS stores it; Windows cannot open it)".
  const std::string stored = " which Windows does not allow (" + fs + " stores it; Windows cannot open it)";
  switch (rule) {
    case kNameEncoding: return "name is not valid UTF-8, which " + fs + " cannot store";
    case kNameChars: return "name contains " + char_words(f.ch) + (refused ? " which " + fs + " does not allow" : stored);
    case kNameTrailing: {
      const std::string end = name.back() == '.' ? "'.'" : "a space";
      return "name ends with " + end + (refused ? " which " + fs + " does not allow" : stored);
    }
    default: {
      std::string dev = "'";
      dev += escape_name(name.substr(0, device_stem_len(name)));
      dev += "' is a device name";
      return refused ? dev + ", which " + fs + " does not allow" : dev + " Windows reserves (" + fs + " stores it; Windows cannot open it)";
    }
  }
}

bool one_of(int e, std::initializer_list<int> set) { return std::find(set.begin(), set.end(), e) != set.end(); }

bool makes_name(const char* syscall) {
  for (const char* s : {"open", "mkdir", "link", "rename", "symlink", "mknod"})
    if (strcmp(syscall, s) == 0) return true;
  return false;
}

}  // namespace

const char* unfit_name(Unfit k) {
  switch (k) {
    case Unfit::Name: return "name";
    case Unfit::Case: return "case";
    case Unfit::Symlink: return "symlink";
    case Unfit::Special: return "special";
    case Unfit::TooLarge: return "too-large";
    case Unfit::Holes: return "holes";
    case Unfit::HardLink: return "hardlink";
  }
  return "name";
}

NameFault name_fault(const std::string& name) {
  NameFault f;
  const unsigned char* p = (const unsigned char*)name.data();
  const size_t len = name.size();
  for (size_t i = 0; i < len;) {
    if (p[i] < 0x80) {
      if (forbidden_ascii(p[i]) && !(f.rules & kNameChars)) {
        f.rules |= kNameChars;
        f.ch = p[i];
      }
      i++;
      continue;
    }
    const size_t n = utf8_seq_len(p + i, len - i);
    if (n == 0) f.rules |= kNameEncoding;
    i += n ? n : 1;
  }
  if (len && (name.back() == '.' || name.back() == ' ') && name != "." && name != "..") f.rules |= kNameTrailing;
  if (is_device_name(name)) f.rules |= kNameReserved;
  return f;
}

std::string map_name(const std::string& name, uint8_t rules) {
  const NameFault f = name_fault(name);
  if (!(f.rules & rules)) return name;
  std::string out;
  const unsigned char* p = (const unsigned char*)name.data();
  const size_t len = name.size();
  const size_t stem = (rules & f.rules & kNameReserved) ? device_stem_len(name) : std::string::npos;
  for (size_t i = 0; i < len;) {
    const size_t n = p[i] < 0x80 ? 1 : utf8_seq_len(p + i, len - i);
    const bool last = i + 1 == len;
    bool map = false;
    if (n == 0) map = rules & kNameEncoding;
    else if (n == 1) map = ((rules & kNameChars) && forbidden_ascii(p[i])) || ((rules & kNameTrailing) && last && (p[i] == '.' || p[i] == ' ')) ||
                           (i + 1 == stem);
    if (map) put_private(out, p[i]);
    else out.append((const char*)p + i, n ? n : 1);
    i += n ? n : 1;
  }
  return out;
}

std::string unmap_name(const std::string& name) {
  std::string out;
  const unsigned char* p = (const unsigned char*)name.data();
  const size_t len = name.size();
  for (size_t i = 0; i < len;) {
    if (i + 2 < len && p[i] == 0xEF && (p[i + 1] & 0xFC) == 0x80 && (p[i + 2] & 0xC0) == 0x80) {
      const unsigned char b = (unsigned char)(((p[i + 1] & 0x03) << 6) | (p[i + 2] & 0x3F));
      if (b != 0) {
        out += (char)b;
        i += 3;
        continue;
      }
    }
    out += (char)p[i++];
  }
  return out;
}

std::string fold_name(const std::string& name) {
  static locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
  std::string out;
  out.reserve(name.size());
  const unsigned char* p = (const unsigned char*)name.data();
  const size_t len = name.size();
  for (size_t i = 0; i < len;) {
    const size_t n = utf8_seq_len(p + i, len - i);
    if (n == 0) {
      out += (char)p[i++];
      continue;
    }
    const uint32_t cp = code_point(p + i, n);
    uint32_t up = cp;
    if (cp < 0x80) up = (uint32_t)toupper((int)cp);
    else if (loc) up = (uint32_t)towupper_l((wint_t)cp, loc);
    put_utf8(out, up);
    i += n;
  }
  return out;
}

std::map<std::string, std::string> case_clashes(std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  std::map<std::string, std::string> first, out;
  for (const auto& n : names) {
    auto [it, fresh] = first.emplace(fold_name(n), n);
    if (!fresh && it->second != n) out.emplace(n, it->second);
  }
  return out;
}

std::map<std::string, std::string> listing_clashes(const FsKind& dst, const std::vector<Dirent>& ents, bool map) {
  std::map<std::string, std::string> out;
  if (!dst.holds.win_names || ents.size() < 2) return out;
  std::map<std::string, std::string> src_of;  // destination name → source name
  std::vector<std::string> names;
  names.reserve(ents.size());
  for (const auto& e : ents) {
    std::string d = dest_name(dst, e.name, map);
    src_of.emplace(d, e.name);
    names.push_back(std::move(d));
  }
  for (const auto& [later, first] : case_clashes(std::move(names))) out.emplace(src_of[later], src_of[first]);
  return out;
}

bool name_problem(const FsKind& dst, const std::string& name, Problem& out) {
  if (!dst.holds.win_names) return false;
  const NameFault f = name_fault(name);
  if (!f.rules) return false;
  const uint8_t refused = f.rules & dst.holds.refuses;
  const uint8_t rule = first_rule(refused ? refused : f.rules);
  out.kind = Unfit::Name;
  out.fails = refused != 0;
  out.reason = name_reason(dst, name, f, rule, refused != 0);
  return true;
}

Problem mapped_problem(const FsKind& dst, const std::string& name) {
  Problem p;
  name_problem(dst, name, p);
  p.fails = false;
  p.reason = "name changed to '" + escape_name(map_name(name, kAllNameRules)) + "': " + p.reason;
  return p;
}

Problem case_problem(const FsKind& dst, const std::string& first, const std::string& name) {
  std::string both = "'";
  both += escape_name(first);
  both += "' and '" + escape_name(name) + "' are the same name ";
  const std::string fs = fs_label(dst);
  if (dst.holds.fold_case) return {Unfit::Case, true, both + "on " + fs};
  return {Unfit::Case, false, both + "for Windows (" + fs + " stores both; Windows shows one)"};
}

std::string type_reason(const FsKind& dst, EntryType t) {
  const char* what = t == EntryType::Symlink ? "symbolic links"
                     : t == EntryType::Fifo ? "FIFOs"
                     : t == EntryType::Socket ? "sockets"
                                              : "device nodes";
  return std::string(what) + " cannot be stored on " + fs_label(dst);
}

void type_problems(const FsKind& dst, const struct stat& st, bool top_stream, std::vector<Problem>& out) {
  const Holds& h = dst.holds;
  const EntryType t = entry_type_of(st.st_mode);
  if (t == EntryType::Symlink && !h.symlinks) out.push_back({Unfit::Symlink, true, type_reason(dst, t)});
  if (t != EntryType::Symlink && t != EntryType::File && t != EntryType::Dir && !h.specials && !top_stream)
    out.push_back({Unfit::Special, true, type_reason(dst, t)});
  if (t != EntryType::File) return;
  const uint64_t size = (uint64_t)st.st_size;
  const std::string fs = fs_label(dst);
  if (h.max_file && size > h.max_file)
    out.push_back({Unfit::TooLarge, true, "file is " + format_size(size) + ", " + fs + " stores at most " + limit_words(h.max_file)});
  if (!h.holes && size > 0 && (uint64_t)st.st_blocks * 512 < size)
    out.push_back({Unfit::Holes, false,
                   "holes can't be kept on " + fs + ": " + format_size(size) + " is written in full (" + format_size((uint64_t)st.st_blocks * 512) +
                       " of data)"});
  if (!h.hardlinks && st.st_nlink > 1)
    out.push_back({Unfit::HardLink, false, "hard links cannot be stored on " + fs + ": this name gets a copy of its own"});
}

void entry_problems(const FsKind& dst, const std::string& name, const std::string* clash_with, const struct stat& st, bool top_stream, bool map,
                    bool follow, std::vector<Problem>& out) {
  if (!is_foreign(dst)) return;
  Problem p;
  if (name_problem(dst, name, p)) out.push_back(map ? mapped_problem(dst, name) : p);
  if (clash_with) out.push_back(case_problem(dst, *clash_with, name));
  const size_t from = out.size();
  type_problems(dst, st, top_stream, out);
  for (size_t i = from; i < out.size(); i++)
    if (follow && out[i].kind == Unfit::Symlink) {
      out[i].fails = false;
      out[i].reason += ": what the link points to is copied instead";
    }
}

WireErr dest_error(const FsKind& dst, int err, const char* syscall, const std::string& dname, EntryType type, uint64_t size,
                   const std::string& src, const std::string& dest) {
  if (!is_foreign(dst) || err <= 0) return sys_error(err, syscall, src, dest);
  const std::string fs = fs_label(dst);
  std::string why;
  Problem p;
  const bool special = type != EntryType::File && type != EntryType::Dir && type != EntryType::Symlink;
  // exfat-fuse answers ENOENT for a name it refuses, ntfs-3g (windows_names) EINVAL, fusefat EPERM.
  if (makes_name(syscall) && one_of(err, {ENOENT, EINVAL, EILSEQ, EPERM}) && name_problem(dst, dname, p)) {
    why = p.reason;
  } else if (type == EntryType::Symlink && strcmp(syscall, "symlink") == 0 && one_of(err, {ENOSYS, EPERM, EOPNOTSUPP, EINVAL, EIO})) {
    why = type_reason(dst, type);
  } else if (special && strcmp(syscall, "mknod") == 0 && one_of(err, {EIO, EPERM, EOPNOTSUPP, ENOSYS, EINVAL})) {
    why = type_reason(dst, type);
  } else if (err == EFBIG && dst.holds.max_file && size > dst.holds.max_file) {
    why = "file is " + format_size(size) + ", " + fs + " stores at most " + limit_words(dst.holds.max_file);
  } else if (err == ENOSPC && !dst.holds.holes && strcmp(syscall, "ftruncate") == 0) {
    why = "holes can't be kept on " + fs + ": this file needs " + format_size(size) + " in full";
  }
  if (why.empty()) return sys_error(err, syscall, src, dest);
  return node_error(errno_name(err), err, why + " (" + fs + " answered: " + errno_desc(err) + ")", syscall, src, dest);
}

std::string lost_metadata(const FsKind& dst) {
  if (!is_foreign(dst)) return "";
  const Holds& h = dst.holds;
  std::vector<std::string> lost;
  if (!h.modes) lost.push_back("permissions");
  if (!h.owners) lost.push_back("owners");
  if (!h.xattrs) lost.push_back("extended attributes");
  std::string s;
  for (size_t i = 0; i < lost.size(); i++) s += (i == 0 ? "" : i + 1 == lost.size() ? " and " : ", ") + lost[i];
  std::string clock;
  if (h.time_ns >= 1000000000u) clock = h.time_ns == 1000000000u ? "the second" : std::to_string(h.time_ns / 1000000000u) + " seconds";
  else if (h.time_ns >= 1000000u) clock = std::to_string(h.time_ns / 1000000u) + " ms";
  const std::string fs = fs_label(dst);
  std::string out;
  if (!s.empty()) out = s + (lost.size() == 1 ? " is" : " are") + " not kept on " + fs;
  if (!clock.empty()) out += (out.empty() ? "file times are kept on " + fs + " only to " : ", and file times only to ") + clock;
  return out;
}

}  // namespace ferry
