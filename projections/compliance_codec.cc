// CaseCompliance::Serialize/Deserialize and ObligationJson.
//
// Encoding (deterministic: maps are written in key order):
//   state    = "CC2" u64(events) u64(needs_refold) str(case_id) str(jurisdiction)
//              u64(n) (str key, str value)^n            facts
//              u64(n) (str role, str agency)^n          newest agency per role
//              u64(n) u64(set id)^n                     rule sets seen
//              u64(n) track^n
//   track    = u64(set id) u64(rule index) u64(n) item^n u64(n) str(joined)^n
//              u64(n) obligation^n
//   u64      = 8 bytes little-endian; i64 as its two's complement u64; str = u64(length) bytes
// Items and obligations are written field by field in declaration order (WriteItem,
// WriteObligation). Optional values are a u64 presence flag followed by the value.
#include <cstring>

#include "ledger/time_format.h"
#include "projections/compliance_internal.h"

namespace caseledger::compliance {
namespace detail {

void Writer::U64(uint64_t v) {
  for (int i = 0; i < 8; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void Writer::Str(std::string_view s) {
  U64(s.size());
  out_.append(s);
}

bool Reader::U64(uint64_t* v) {
  if (in_.size() < 8) return false;
  *v = 0;
  for (int i = 0; i < 8; ++i) *v |= uint64_t{static_cast<uint8_t>(in_[i])} << (8 * i);
  in_.remove_prefix(8);
  return true;
}

bool Reader::I64(int64_t* v) {
  uint64_t u;
  if (!U64(&u)) return false;
  *v = static_cast<int64_t>(u);
  return true;
}

bool Reader::Str(std::string* s) {
  uint64_t n;
  if (!U64(&n) || n > in_.size()) return false;
  s->assign(in_.substr(0, n));
  in_.remove_prefix(n);
  return true;
}

namespace {

void OptI64(Writer& w, const std::optional<int64_t>& v) {
  w.U64(v ? 1 : 0);
  if (v) w.I64(*v);
}

bool ReadOptI64(Reader& r, std::optional<int64_t>* v) {
  uint64_t has;
  if (!r.U64(&has) || has > 1) return false;
  if (!has) { v->reset(); return true; }
  int64_t x;
  if (!r.I64(&x)) return false;
  *v = x;
  return true;
}

template <typename T>
bool ReadNum(Reader& r, T* v) {
  uint64_t u;
  if (!r.U64(&u)) return false;
  *v = static_cast<T>(u);
  return true;
}

}  // namespace

void WriteItem(Writer& w, const Item& i) {
  w.U64(i.position);
  w.Str(i.event_id);
  w.U64(i.type);
  w.I64(i.at);
  w.I64(i.recorded);
  w.Str(i.agency);
  w.Str(i.role);
  w.U64(i.flags);
  w.I64(i.limit);
  w.U64(i.extensions);
  w.Str(i.value);
  OptI64(w, i.span_from);
  OptI64(w, i.span_to);
  OptI64(w, i.until);
  w.I64(i.count_after);
}

bool ReadItem(Reader& r, Item* i) {
  return r.U64(&i->position) && r.Str(&i->event_id) && ReadNum(r, &i->type) && r.I64(&i->at) &&
         r.I64(&i->recorded) && r.Str(&i->agency) && r.Str(&i->role) && ReadNum(r, &i->flags) &&
         ReadNum(r, &i->limit) && r.U64(&i->extensions) && r.Str(&i->value) &&
         ReadOptI64(r, &i->span_from) && ReadOptI64(r, &i->span_to) &&
         ReadOptI64(r, &i->until) && r.I64(&i->count_after);
}

void WriteObligation(Writer& w, const Obligation& o) {
  for (const std::string* s : {&o.rule_id, &o.limit_name, &o.title, &o.jurisdiction, &o.pack_id,
                               &o.pack_version, &o.source}) {
    w.Str(*s);
  }
  w.U64(static_cast<uint64_t>(o.kind));
  w.U64(static_cast<uint64_t>(o.tag));
  w.U64(o.uncertain);
  w.U64(o.trigger_position);
  w.Str(o.trigger_event_id);
  w.Str(o.trigger_type);
  w.I64(o.trigger_at);
  OptI64(w, o.due_at);
  OptI64(w, o.satisfied_position ? std::optional<int64_t>(*o.satisfied_position) : std::nullopt);
  w.Str(o.satisfied_event_id);
  w.Str(o.satisfied_type);
  OptI64(w, o.satisfied_at);
  w.U64(static_cast<uint64_t>(o.status));
  OptI64(w, o.breached_at);
  w.U64(o.justified);
  w.Str(o.accountable_agency);
  w.Str(o.accountable_role);
  w.Str(o.detail);
}

bool ReadObligation(Reader& r, Obligation* o) {
  for (std::string* s : {&o->rule_id, &o->limit_name, &o->title, &o->jurisdiction, &o->pack_id,
                         &o->pack_version, &o->source}) {
    if (!r.Str(s)) return false;
  }
  uint64_t kind, tag, uncertain, status, justified;
  std::optional<int64_t> sat_pos;
  bool ok = r.U64(&kind) && r.U64(&tag) && r.U64(&uncertain) && r.U64(&o->trigger_position) &&
            r.Str(&o->trigger_event_id) && r.Str(&o->trigger_type) && r.I64(&o->trigger_at) &&
            ReadOptI64(r, &o->due_at) && ReadOptI64(r, &sat_pos) &&
            r.Str(&o->satisfied_event_id) && r.Str(&o->satisfied_type) &&
            ReadOptI64(r, &o->satisfied_at) && r.U64(&status) &&
            ReadOptI64(r, &o->breached_at) && r.U64(&justified) &&
            r.Str(&o->accountable_agency) && r.Str(&o->accountable_role) && r.Str(&o->detail);
  if (!ok || kind > static_cast<uint64_t>(RuleKind::kRecordingDelay) ||
      tag > static_cast<uint64_t>(Tag::kDefault) ||
      status > static_cast<uint64_t>(ObligationStatus::kPending) || uncertain > 1 ||
      justified > 1) {
    return false;
  }
  o->kind = static_cast<RuleKind>(kind);
  o->tag = static_cast<Tag>(tag);
  o->uncertain = uncertain;
  o->status = static_cast<ObligationStatus>(status);
  o->justified = justified;
  if (sat_pos) o->satisfied_position = static_cast<uint64_t>(*sat_pos);
  return true;
}

}  // namespace detail

namespace {

std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  return out + "\"";
}

}  // namespace

std::string ObligationJson(const Obligation& o, int64_t as_of_micros, const Calendar& calendar) {
  auto time = [&](int64_t t) { return Quote(calendar.FormatLocal(t)); };
  std::string j = "{\"rule\":" + Quote(o.rule_id);
  j += ",\"limit\":" + Quote(o.limit_name);
  j += ",\"title\":" + Quote(o.title);
  j += ",\"jurisdiction\":" + Quote(o.jurisdiction);
  j += ",\"pack\":" + Quote(o.pack_id) + ",\"packVersion\":" + Quote(o.pack_version);
  j += ",\"kind\":" + Quote(RuleKindName(o.kind));
  j += ",\"status\":" + Quote(o.StatusAsOf(as_of_micros));
  j += ",\"trigger\":{\"event\":" + Quote(o.trigger_event_id) + ",\"type\":" +
       Quote(o.trigger_type) + ",\"at\":" + time(o.trigger_at) +
       ",\"position\":" + std::to_string(o.trigger_position) + "}";
  j += ",\"due\":" + (o.due_at ? time(*o.due_at) : std::string("null"));
  if (o.satisfied_position) {
    j += ",\"satisfiedBy\":{\"event\":" + Quote(o.satisfied_event_id) + ",\"type\":" +
         Quote(o.satisfied_type) + ",\"at\":" + time(o.satisfied_at.value_or(0)) +
         ",\"position\":" + std::to_string(*o.satisfied_position) + "}";
  } else {
    j += ",\"satisfiedBy\":null";
  }
  j += ",\"accountable\":{\"agency\":" + Quote(o.accountable_agency) +
       ",\"role\":" + Quote(o.accountable_role) + "}";
  j += ",\"tag\":" + Quote(TagName(o.tag));
  j += std::string(",\"uncertain\":") + (o.uncertain ? "true" : "false");
  j += ",\"source\":" + Quote(o.source);
  j += ",\"breachedAt\":" + (o.breached_at ? time(*o.breached_at) : std::string("null"));
  j += std::string(",\"justified\":") + (o.justified ? "true" : "false");
  j += ",\"detail\":" + Quote(o.detail) + "}";
  return j;
}

}  // namespace caseledger::compliance
