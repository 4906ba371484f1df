// CaseCompliance: folding a case's events into per-rule tracks and their obligations
// (compliance_internal.h explains the tracks; compliance_eval.cc the semantics per kind).
#include "projections/compliance.h"

#include <capnp/dynamic.h>

#include <algorithm>
#include <tuple>

#include "projections/compliance_internal.h"

namespace caseledger::compliance {
namespace {

using detail::Item;
using detail::Track;

std::string Hex(capnp::Data::Reader d) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : d) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

std::string EnumName(capnp::DynamicEnum e) {
  KJ_IF_MAYBE(en, e.getEnumerant()) { return en->getProto().getName().cStr(); }
  return std::to_string(e.getRaw());
}

const char* kJurisdictionCodes[] = {"", "DK", "EE", "FI", "LV", "LT", "SE", "NO", "IS"};

// Case facts from the child facts of identification events and age assessments.
void UpdateFacts(schema::Event::Reader event, CaseFacts* facts) {
  auto body = capnp::toDynamic(event.getBody());
  auto which = event.getBody().which();
  if (which == schema::Event::Body::PRESUMED_VICTIM_IDENTIFIED ||
      which == schema::Event::Body::FORMAL_VICTIM_STATUS_DECIDED) {
    (*facts)["identified"] = "true";
  }
  if (which == schema::Event::Body::CRIME_REPORTED) {
    // NO's one-week interview limit (R14) is for a serious offence less than 2 weeks old at the
    // report (obligations.md section 4): a condition cannot compare two times, so the age is
    // a fact of the latest report, "unknown" when the report does not say when it happened.
    constexpr int64_t kTwoWeeksMicros = int64_t{14} * 24 * 3600 * 1000000;
    const int64_t offence = event.getBody().getCrimeReported().getOffenceOccurredAt();
    (*facts)["offenceRecent"] = offence == 0 ? "unknown"
                                : event.getOccurredAt() - offence < kTwoWeeksMicros ? "true"
                                                                                     : "false";
  }
  if (which == schema::Event::Body::AGE_ASSESSMENT_COMPLETED) {
    auto a = event.getBody().getAgeAssessmentCompleted();
    int age = a.getBenefitOfDoubtApplied() ? a.getMinAgeYears() : a.getAssessedAgeYears();
    (*facts)["ageYears"] = std::to_string(age);
    return;
  }
  KJ_IF_MAYBE(member, body.which()) {
    if (!member->getType().isStruct()) return;
    auto s = body.get(*member).as<capnp::DynamicStruct>();
    KJ_IF_MAYBE(field, s.getSchema().findFieldByName("child")) {
      if (!field->getType().isStruct() ||
          field->getType().asStruct() != capnp::Schema::from<schema::ChildFacts>()) {
        return;
      }
      auto c = s.get(*field).as<schema::ChildFacts>();
      auto answer = [&](const char* name, schema::Answer v) {
        if (v != schema::Answer::UNSPECIFIED) (*facts)[name] = EnumName(capnp::toDynamic(v));
      };
      answer("unaccompanied", c.getUnaccompanied());
      answer("parentalConflictOfInterest", c.getParentalConflictOfInterest());
      answer("foreignNational", c.getForeignNational());
      answer("lawfulStay", c.getLawfulStay());
      (*facts)["needsInterpreter"] = c.getNeedsInterpreter() ? "true" : "false";
      auto basis = c.getAgeBasis();
      if (basis != schema::AgeBasis::UNKNOWN && basis != schema::AgeBasis::UNSPECIFIED) {
        (*facts)["ageYears"] = std::to_string(c.getAgeYears());
      }
    }
  }
}

}  // namespace

// Whether an event recorded at `recorded` could be late under a recording-delay rule: false
// only when every limit is in hours and the delay is within the shortest of them.
bool MaybeRecordedLate(const Rule& rule, int64_t occurred, int64_t recorded) {
  int64_t shortest = INT64_MAX;
  for (const auto& limit : rule.limits) {
    if (!limit.period || limit.period->unit != PeriodUnit::kHours) return true;
    shortest = std::min(shortest, limit.period->amount * 3600 * int64_t{1000000});
  }
  return shortest == INT64_MAX || recorded - occurred > shortest;
}

// The agency role's schema name ("childProtection"), from a table built once.
const std::string& RoleName(schema::AgencyRole role) {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> names;
    for (auto e : capnp::Schema::from<schema::AgencyRole>().getEnumerants()) {
      names.push_back(e.getProto().getName());
    }
    return names;
  }();
  static const std::string kUnknown;
  const auto i = static_cast<size_t>(role);
  return i < kNames.size() ? kNames[i] : kUnknown;
}

struct CaseCompliance::Impl {
  std::string case_id;
  std::string jurisdiction;
  uint64_t events = 0;
  bool needs_refold = false;
  CaseFacts facts;
  std::map<std::string, std::string> agency_by_role;
  std::vector<uint32_t> known_sets;
  std::map<std::pair<uint32_t, uint32_t>, Track> tracks;  // (rule set id, rule index)
  // The registry of the last Apply, for evaluating stale tracks; alive until the caller next
  // reads the obligations (the contract of Apply). Never serialized.
  const PackRegistry* packs = nullptr;

  // Evaluates the stale tracks.
  void Settle();

  bool BuildItem(const detail::CompiledRule& cr, schema::Event::Reader e, uint16_t type,
                 Item* item) const;
  void CrossCase(const detail::CompiledRule& cr, Track& track, Item& item, CrossCaseCounts& counts);
};

bool CaseCompliance::Impl::BuildItem(const detail::CompiledRule& cr, schema::Event::Reader e,
                                     uint16_t type, Item* item) const {
  const Rule& rule = *cr.rule;
  uint32_t f = 0;
  bool trigger = cr.trigger.Matches(type, e, facts) || cr.all_types;
  if (trigger) f |= Item::kTrigger;
  if (cr.satisfied_by.Matches(type, e, facts)) f |= Item::kSatisfier;
  if (cr.exempted_by.Matches(type, e, facts)) f |= Item::kExempt;
  if (cr.cancelled_by.Matches(type, e, facts)) f |= Item::kCancel;
  if (cr.released_by.Matches(type, e, facts)) f |= Item::kRelease;
  if (cr.stop.Matches(type, e, facts)) f |= Item::kStop;
  if (cr.state) {
    if (cr.state->opens.Matches(type, e, facts)) f |= Item::kOpen;
    if (cr.state->closes.Matches(type, e, facts)) f |= Item::kClose;
    if (cr.state->extends.Matches(type, e, facts)) f |= Item::kExtend;
  }
  if (type == detail::CaseClosedType() &&
      (rule.kind == RuleKind::kDeadline || rule.kind == RuleKind::kRecurring)) {
    f |= Item::kClosure;
  }
  if (f == 0) return false;
  item->at = e.getOccurredAt();
  bool limited = trigger || (rule.kind == RuleKind::kRecurring && (f & Item::kSatisfier));
  for (size_t l = 0; limited && l < rule.limits.size(); ++l) {
    const Limit& limit = rule.limits[l];
    if (limit.effective_from && item->at < *limit.effective_from) continue;
    if (limit.effective_until && item->at >= *limit.effective_until) continue;
    if (!detail::AllHold(cr.limit_when[l], type, e, facts)) continue;
    item->limit = static_cast<int32_t>(l);
    if (!limit.exceptional_when.empty() &&
        detail::AllHold(cr.exceptional_when[l], type, e, facts)) {
      f |= Item::kExceptional;
    }
    break;
  }
  if (f & Item::kSatisfier) {
    for (size_t l = 0; l < cr.extension_when.size(); ++l) {
      for (size_t x = 0; x < cr.extension_when[l].size() && x < 8; ++x) {
        if (detail::AllHold(cr.extension_when[l][x], type, e, facts)) {
          item->extensions |= uint64_t{1} << (l * 8 + x);
        }
      }
    }
    if (auto it = cr.span_from.find(type); it != cr.span_from.end()) item->span_from = it->second.Int(e);
    if (auto it = cr.span_to.find(type); it != cr.span_to.end()) item->span_to = it->second.Int(e);
  }
  if (trigger) {
    bool ok = rule.require_any.empty();
    for (const auto& group : cr.require_any) ok = ok || detail::AllHold(group, type, e, facts);
    if (ok) f |= Item::kRequireOk;
    if (auto it = cr.same_field.find(type); it != cr.same_field.end()) item->value = it->second.Text(e);
    if (auto it = cr.group_field.find(type); it != cr.group_field.end()) item->value = it->second.Text(e);
    if (auto it = cr.reason_field.find(type); it != cr.reason_field.end() && it->second.IsSet(e)) {
      f |= Item::kReasonSet;
    }
    if (auto it = cr.exempt_field.find(type); it != cr.exempt_field.end() && it->second.IsSet(e)) {
      f |= Item::kExemptSet;
    }
  }
  if (cr.state) {
    auto field = (f & Item::kOpen) ? cr.state->until_field.find(type) : cr.state->until_field.end();
    if (field != cr.state->until_field.end()) {
      auto v = field->second.Int(e);
      if (v && *v != 0) item->until = v;
    }
    field = (f & Item::kExtend) ? cr.state->extend_field.find(type) : cr.state->extend_field.end();
    if (field != cr.state->extend_field.end()) {
      auto v = field->second.Int(e);
      if (v && *v != 0) item->until = v;
    }
  }
  if (HasGrounds(e)) f |= Item::kGrounds;
  item->flags = f;
  return true;
}

// Cross-case caps keep their counts outside the case; releases leave before a trigger joins.
void CaseCompliance::Impl::CrossCase(const detail::CompiledRule& cr, Track& track, Item& item,
                                     CrossCaseCounts& counts) {
  if (cr.rule->kind != RuleKind::kCrossCaseCap) return;
  if (item.Has(Item::kRelease)) {
    for (const auto& key : track.joined) counts.Leave(cr.rule->id, key, case_id, item.position);
    track.joined.clear();
  }
  if (item.Has(Item::kTrigger) && !item.value.empty()) {
    item.count_after = counts.Join(cr.rule->id, item.value, case_id, item.position);
    if (std::find(track.joined.begin(), track.joined.end(), item.value) == track.joined.end()) {
      track.joined.push_back(item.value);
    }
  }
}

CaseCompliance::CaseCompliance() : impl_(std::make_unique<Impl>()) {}
CaseCompliance::~CaseCompliance() = default;
CaseCompliance::CaseCompliance(CaseCompliance&&) noexcept = default;
CaseCompliance& CaseCompliance::operator=(CaseCompliance&&) noexcept = default;

void CaseCompliance::Apply(schema::Event::Reader event, uint64_t position,
                           const PackRegistry& packs, CrossCaseCounts& counts) {
  Impl& s = *impl_;
  if (s.events++ == 0) {
    s.case_id = event.getCaseId().cStr();
    size_t j = static_cast<size_t>(event.getJurisdiction());
    s.jurisdiction = j < std::size(kJurisdictionCodes) ? kJurisdictionCodes[j] : "";
    s.facts["jurisdiction"] = s.jurisdiction;
  }
  const std::string& role = RoleName(event.getAgencyRole());
  {
    std::string& agency = s.agency_by_role[role];
    if (agency != event.getAgencyId().cStr()) {
      // Accountability names the newest agency of a role: every result may change.
      agency = event.getAgencyId().cStr();
      for (auto& [key, track] : s.tracks) track.stale = true;
    }
  }
  s.packs = &packs;
  UpdateFacts(event, &s.facts);

  std::vector<std::pair<uint32_t, uint32_t>> touched;
  // When the ledger first learned of the fact: a correction restates a fact recorded before,
  // so its recording delay (LR) runs to the first recording, not to the correction's own
  // recordedAt (a correction made weeks later is no late recording of the fact).
  int64_t first_recorded = event.getRecordedAt();
  // A correction withdraws the corrected event's items everywhere; a replacement (any type
  // other than entryVoided) then adds its own.
  if (event.hasSupersedes()) {
    std::string old_id = Hex(event.getSupersedes());
    for (auto& [key, track] : s.tracks) {
      auto& items = track.items;
      for (const auto& i : items) {
        if (i.event_id == old_id) first_recorded = std::min(first_recorded, i.recorded);
      }
      auto end = std::remove_if(items.begin(), items.end(),
                                [&](const Item& i) { return i.event_id == old_id; });
      if (end != items.end()) {
        items.erase(end, items.end());
        touched.push_back(key);
      }
    }
  }
  auto type = static_cast<uint16_t>(event.getBody().which());
  if (type != schema::Event::Body::ENTRY_VOIDED) {
    for (const RuleSet* set : packs.SetsFor(s.jurisdiction)) {
      if (std::find(s.known_sets.begin(), s.known_sets.end(), set->id) == s.known_sets.end()) {
        s.known_sets.push_back(set->id);
        if (s.events > 1) s.needs_refold = true;
      }
      const auto& compiled = *set->compiled;
      if (type >= compiled.by_type.size()) continue;
      for (uint32_t r : compiled.by_type[type]) {
        const auto& cr = compiled.rules[r];
        if (cr.rule->kind == RuleKind::kRecordingDelay &&
            !MaybeRecordedLate(*cr.rule, event.getOccurredAt(), first_recorded)) {
          continue;  // only late recordings are findings: keep the track small
        }
        Item item;
        if (!s.BuildItem(cr, event, type, &item)) continue;
        item.position = position;
        item.event_id = Hex(event.getEventId());
        item.type = type;
        item.recorded = first_recorded;
        item.agency = event.getAgencyId().cStr();
        item.role = role;
        auto key = std::make_pair(set->id, r);
        Track& track = s.tracks[key];
        s.CrossCase(cr, track, item, counts);
        auto at = std::upper_bound(track.items.begin(), track.items.end(), item,
                                   [](const Item& a, const Item& b) {
                                     return std::tie(a.at, a.position) < std::tie(b.at, b.position);
                                   });
        track.items.insert(at, std::move(item));
        touched.push_back(key);
      }
    }
  }
  for (const auto& key : touched) s.tracks[key].stale = true;
}

void CaseCompliance::Impl::Settle() {
  if (packs == nullptr) return;
  std::vector<const RuleSet*> sets;
  bool listed = false;
  for (auto& [key, track] : tracks) {
    if (!track.stale) continue;
    if (!listed) {
      sets = packs->SetsFor(jurisdiction);
      listed = true;
    }
    track.stale = false;
    const RuleSet* set = nullptr;
    for (const RuleSet* candidate : sets) {
      if (candidate->id == key.first) set = candidate;
    }
    if (set == nullptr) continue;  // a set no longer in force anywhere keeps its results
    track.obligations = detail::Evaluate(*set, set->compiled->rules[key.second], track,
                                         agency_by_role);
  }
  packs = nullptr;  // nothing stale is left: the registry is not needed until the next Apply
}

void CaseCompliance::Settle() { impl_->Settle(); }

bool CaseCompliance::NeedsRefold() const { return impl_->needs_refold; }

void CaseCompliance::ForEachObligation(const std::function<void(const Obligation&)>& fn) const {
  impl_->Settle();
  for (const auto& [key, track] : impl_->tracks) {
    for (const auto& o : track.obligations) fn(o);
  }
}

std::vector<Obligation> CaseCompliance::Obligations() const {
  impl_->Settle();
  std::vector<Obligation> out;
  for (const auto& [key, track] : impl_->tracks) {
    out.insert(out.end(), track.obligations.begin(), track.obligations.end());
  }
  std::stable_sort(out.begin(), out.end(), [](const Obligation& a, const Obligation& b) {
    return std::tie(a.trigger_position, a.rule_id, a.limit_name) <
           std::tie(b.trigger_position, b.rule_id, b.limit_name);
  });
  return out;
}

const CaseFacts& CaseCompliance::facts() const { return impl_->facts; }

// Encoding: compliance_codec.cc, top comment.
std::string CaseCompliance::Serialize() const {
  impl_->Settle();
  const Impl& s = *impl_;
  detail::Writer w;
  w.out() = "CC2";
  w.U64(s.events);
  w.U64(s.needs_refold);
  w.Str(s.case_id);
  w.Str(s.jurisdiction);
  w.U64(s.facts.size());
  for (const auto& [k, v] : s.facts) { w.Str(k); w.Str(v); }
  w.U64(s.agency_by_role.size());
  for (const auto& [k, v] : s.agency_by_role) { w.Str(k); w.Str(v); }
  w.U64(s.known_sets.size());
  for (uint32_t id : s.known_sets) w.U64(id);
  w.U64(s.tracks.size());
  for (const auto& [key, track] : s.tracks) {
    w.U64(key.first);
    w.U64(key.second);
    w.U64(track.items.size());
    for (const auto& item : track.items) detail::WriteItem(w, item);
    w.U64(track.joined.size());
    for (const auto& j : track.joined) w.Str(j);
    w.U64(track.obligations.size());
    for (const auto& o : track.obligations) detail::WriteObligation(w, o);
  }
  return std::move(w.out());
}

Result<CaseCompliance> CaseCompliance::Deserialize(std::string_view bytes) {
  auto bad = [] { return Status::Corruption("not a case compliance state"); };
  if (bytes.substr(0, 3) != "CC2") return bad();
  detail::Reader r(bytes.substr(3));
  CaseCompliance c;
  Impl& s = *c.impl_;
  uint64_t refold, n;
  if (!r.U64(&s.events) || !r.U64(&refold) || refold > 1 || !r.Str(&s.case_id) ||
      !r.Str(&s.jurisdiction)) {
    return bad();
  }
  s.needs_refold = refold;
  for (auto* map : {&s.facts, &s.agency_by_role}) {
    if (!r.U64(&n)) return bad();
    for (uint64_t i = 0; i < n; ++i) {
      std::string k, v;
      if (!r.Str(&k) || !r.Str(&v)) return bad();
      (*map)[k] = v;
    }
  }
  if (!r.U64(&n)) return bad();
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t id;
    if (!r.U64(&id)) return bad();
    s.known_sets.push_back(static_cast<uint32_t>(id));
  }
  if (!r.U64(&n)) return bad();
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t set, rule, count;
    if (!r.U64(&set) || !r.U64(&rule) || !r.U64(&count)) return bad();
    Track& t = s.tracks[{static_cast<uint32_t>(set), static_cast<uint32_t>(rule)}];
    for (uint64_t k = 0; k < count; ++k) {
      if (!detail::ReadItem(r, &t.items.emplace_back())) return bad();
    }
    if (!r.U64(&count)) return bad();
    for (uint64_t k = 0; k < count; ++k) {
      if (!r.Str(&t.joined.emplace_back())) return bad();
    }
    if (!r.U64(&count)) return bad();
    for (uint64_t k = 0; k < count; ++k) {
      if (!detail::ReadObligation(r, &t.obligations.emplace_back())) return bad();
    }
  }
  if (!r.done()) return bad();
  return c;
}

std::string_view Obligation::StatusAsOf(int64_t as_of_micros) const {
  // Met only later than the time asked about: at that time it was still waiting.
  if ((status == ObligationStatus::kMet || status == ObligationStatus::kMetLate) &&
      satisfied_at && *satisfied_at > as_of_micros && due_at) {
    return *due_at < as_of_micros ? "overdue" : "open";
  }
  if (status == ObligationStatus::kBreached && breached_at && *breached_at > as_of_micros &&
      due_at) {
    return *due_at < as_of_micros ? "overdue" : "open";
  }
  switch (status) {
    case ObligationStatus::kMet: return "met";
    case ObligationStatus::kMetLate: return "met_late";
    case ObligationStatus::kBreached: return "breached";
    case ObligationStatus::kPending: break;
  }
  return due_at && *due_at < as_of_micros ? "overdue" : "open";
}

}  // namespace caseledger::compliance
