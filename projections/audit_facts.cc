// The audit facts of a case: extraction from the case view and compliance state, and the
// stored encoding (grammar in audit_facts.h; docs/storage_format.md, "Projections").
#include "projections/audit_facts.h"

#include <capnp/serialize.h>

#include <algorithm>
#include <cstring>
#include <tuple>
#include <unordered_map>

#include "schema/case_view.capnp.h"

namespace caseledger::projections::audit {

uint32_t StringPool::Intern(std::string_view s) {
  auto it = ids_.find(std::string(s));
  if (it != ids_.end()) return it->second;
  const uint32_t id = static_cast<uint32_t>(strings_.size());
  strings_.emplace_back(s);
  ids_.emplace(strings_.back(), id);
  return id;
}

std::optional<uint32_t> StringPool::Find(std::string_view s) const {
  auto it = ids_.find(std::string(s));
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

std::string_view AuditObligation::StatusAsOf(int64_t as_of) const {
  // The engine's own rule, on a copy that carries only the times it reads.
  compliance::Obligation o;
  o.status = static_cast<compliance::ObligationStatus>(status);
  o.trigger_at = trigger_at;
  if (due_at != kNone) o.due_at = due_at;
  if (satisfied_at != kNone) o.satisfied_at = satisfied_at;
  if (breached_at != kNone) o.breached_at = breached_at;
  return o.StatusAsOf(as_of);
}

namespace {

using schema::CaseView;

std::string JurisdictionOf(const compliance::CaseCompliance& state) {
  auto j = state.facts().find("jurisdiction");
  return j == state.facts().end() ? std::string() : j->second;
}

void FillFromView(CaseView::Reader v, AuditCase* c, StringPool* pool,
                  std::unordered_map<uint64_t, uint32_t>* agency_at) {
  for (auto h : v.getHistory()) {
    (*agency_at)[h.getPosition()] = pool->Intern(h.getAgencyId().cStr());
  }
  auto id = v.getIdentification();
  if (id.getPresumedVictim()) {
    c->identified_at = id.getPresumedAt();
    for (auto h : v.getHistory()) {
      if (h.getType() == "presumedVictimIdentified" && !h.getSuperseded() && !h.getVoided()) {
        c->identifying_agency = pool->Intern(h.getAgencyId().cStr());
        break;
      }
    }
  }
  auto rep = v.getRepresentation();
  // Needed at some point: the need ends with an adult finding or the case's closure.
  c->representation_needed = rep.getNeeded() || rep.getNeededSinceAt() != 0;
  c->representatives = rep.getHistory().size();
  for (auto r : rep.getHistory()) {
    if (c->first_representative_at == 0 || r.getSinceAt() < c->first_representative_at) {
      c->first_representative_at = r.getSinceAt();
    }
  }
  auto age = v.getAge();
  c->age_disputed = age.getDisputed();
  c->age_disputed_at = age.getDisputedAt();
  c->age_assessed_at = age.getAssessedAt();
  c->age_assessments = age.getAssessments();
  for (auto m : age.getMethods()) c->age_methods |= 1u << (static_cast<uint32_t>(m) & 31);
  c->missing_episodes = v.getMissing().getEpisodes();
  c->missing_open = v.getMissing().getOpen();
  auto cb = v.getCrossBorder();
  c->referrals = cb.getReferralsSent();
  c->last_referral_at = cb.getLastReferralAt();
  c->transfers = cb.getTransfers();
  c->last_transfer_at = cb.getLastTransferAt();
  c->transferred_to = pool->Intern(cb.getTransferredTo().cStr());
  auto cr = v.getCriminal();
  c->crime_reported_at = cr.getFirstCrimeReportAt();
  c->charges_at = cr.getFirstChargesAt();
  c->trial_at = cr.getTrialStartedAt();
  c->discontinued = cr.getDiscontinued();
  c->verdict = static_cast<uint8_t>(cr.getVerdict());
  c->compensation_claims = cr.getCompensationClaims();
  c->compensation_awards = cr.getCompensationAwards();
  c->compensation_payments = cr.getCompensationPayments();
  if (v.getClosure().getClosed()) c->closed_at = v.getClosure().getClosedAt();
  for (auto i : v.getInterviews().getHeld()) {
    AuditInterview iv;
    iv.at = i.getOccurredAt();
    iv.sequence = i.getSequenceNumber();
    iv.interviewer = pool->Intern(i.getInterviewerId().cStr());
    auto a = agency_at->find(i.getPosition());
    iv.agency = a == agency_at->end() ? 0 : a->second;
    iv.premises = static_cast<uint8_t>(i.getPremises());
    iv.recorded = i.getRecorded();
    iv.interpreter_present = i.getInterpreterPresent();
    c->interviews.push_back(iv);
  }
}

}  // namespace

Result<AuditCase> ExtractFacts(const std::string& case_id, std::string_view view_bytes,
                               const compliance::CaseCompliance& compliance, StringPool* pool) {
  AuditCase c;
  c.case_id = case_id;
  c.jurisdiction = pool->Intern(JurisdictionOf(compliance));
  std::unordered_map<uint64_t, uint32_t> agency_at;  // global position -> agency
  if (view_bytes.empty() || view_bytes.size() % sizeof(capnp::word) != 0) {
    return Status::Corruption("case view of " + case_id + " is not a whole number of words");
  }
  // Cap'n Proto reads only aligned words (TRAPS.md).
  auto words = kj::heapArray<capnp::word>(view_bytes.size() / sizeof(capnp::word));
  std::memcpy(words.begin(), view_bytes.data(), view_bytes.size());
  kj::ArrayPtr<const capnp::word> segments[1] = {words.asPtr()};
  KJ_IF_MAYBE (e, kj::runCatchingExceptions([&] {
                 capnp::ReaderOptions options;
                 options.traversalLimitInWords = uint64_t{1} << 30;
                 capnp::SegmentArrayMessageReader reader(kj::arrayPtr(segments, 1), options);
                 FillFromView(reader.getRoot<CaseView>(), &c, pool, &agency_at);
               })) {
    return Status::Corruption("case view of " + case_id + ": " + e->getDescription().cStr());
  }
  auto agency = [&](std::optional<uint64_t> position) -> uint32_t {
    if (!position) return 0;
    auto a = agency_at.find(*position);
    return a == agency_at.end() ? 0 : a->second;
  };
  compliance.ForEachObligation([&](const compliance::Obligation& o) {
    if (o.rule_id == "LR") return;
    AuditObligation a;
    a.rule = pool->Intern(o.rule_id);
    a.limit = pool->Intern(o.limit_name);
    a.trigger_type = pool->Intern(o.trigger_type);
    a.trigger_agency = agency(o.trigger_position);
    a.satisfied_agency = agency(o.satisfied_position);
    a.accountable_agency = pool->Intern(o.accountable_agency);
    a.accountable_role = pool->Intern(o.accountable_role);
    a.trigger_at = o.trigger_at;
    a.due_at = o.due_at.value_or(kNone);
    a.satisfied_at = o.satisfied_at.value_or(kNone);
    a.breached_at = o.breached_at.value_or(kNone);
    a.status = static_cast<uint8_t>(o.status);
    a.justified = o.justified;
    c.obligations.push_back(a);
  });
  // ForEachObligation has no order: sort so that equal states give equal bytes.
  std::sort(c.obligations.begin(), c.obligations.end(),
            [&](const AuditObligation& x, const AuditObligation& y) {
              return std::tie(x.trigger_at, (*pool)[x.rule], (*pool)[x.limit], x.due_at) <
                     std::tie(y.trigger_at, (*pool)[y.rule], (*pool)[y.limit], y.due_at);
            });
  return c;
}

// ---- Encoding --------------------------------------------------------------------------------

namespace {

constexpr uint8_t kFormatVersion = 1;

class Writer {
 public:
  void U(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void I(int64_t v) { U((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }
  // An optional time: 0 when unset, else its zig-zag plus one.
  void Opt(int64_t v) {
    if (v == kNone) return U(0);
    U(((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)) + 1);
  }
  void S(std::string_view s) {
    U(s.size());
    out_.append(s);
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool done() const { return in_.empty(); }
  uint64_t U() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (in_.empty()) return Fail();
      const auto b = static_cast<uint8_t>(in_[0]);
      in_.remove_prefix(1);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    return Fail();
  }
  int64_t I() {
    const uint64_t z = U();
    return static_cast<int64_t>(z >> 1) ^ -static_cast<int64_t>(z & 1);
  }
  int64_t Opt() {
    const uint64_t z = U();
    if (z == 0) return kNone;
    return static_cast<int64_t>((z - 1) >> 1) ^ -static_cast<int64_t>((z - 1) & 1);
  }
  std::string_view S() {
    const uint64_t n = U();
    if (n > in_.size()) {
      Fail();
      return {};
    }
    auto s = in_.substr(0, n);
    in_.remove_prefix(n);
    return s;
  }
  uint32_t U32() { return static_cast<uint32_t>(U()); }

 private:
  uint64_t Fail() {
    ok_ = false;
    in_ = {};
    return 0;
  }
  std::string_view in_;
  bool ok_ = true;
};

}  // namespace

std::string EncodeFacts(const AuditCase& c, const StringPool& pool) {
  Writer w;
  w.U(kFormatVersion);
  w.S(pool[c.jurisdiction]);
  w.I(c.identified_at);
  w.S(pool[c.identifying_agency]);
  w.U(c.representation_needed);
  w.I(c.first_representative_at);
  w.U(c.representatives);
  w.U(c.age_disputed);
  w.I(c.age_disputed_at);
  w.I(c.age_assessed_at);
  w.U(c.age_assessments);
  w.U(c.age_methods);
  w.U(c.missing_episodes);
  w.U(c.missing_open);
  w.U(c.referrals);
  w.I(c.last_referral_at);
  w.U(c.transfers);
  w.I(c.last_transfer_at);
  w.S(pool[c.transferred_to]);
  w.I(c.crime_reported_at);
  w.I(c.charges_at);
  w.I(c.trial_at);
  w.U(c.discontinued);
  w.U(c.verdict);
  w.U(c.compensation_claims);
  w.U(c.compensation_awards);
  w.U(c.compensation_payments);
  w.I(c.closed_at);
  w.U(c.interviews.size());
  for (const auto& i : c.interviews) {
    w.I(i.at);
    w.U(i.sequence);
    w.S(pool[i.interviewer]);
    w.S(pool[i.agency]);
    w.U(i.premises);
    w.U((i.recorded ? 1 : 0) | (i.interpreter_present ? 2 : 0));
  }
  w.U(c.obligations.size());
  for (const auto& o : c.obligations) {
    for (uint32_t s : {o.rule, o.limit, o.trigger_type, o.trigger_agency, o.satisfied_agency,
                       o.accountable_agency, o.accountable_role}) {
      w.S(pool[s]);
    }
    w.I(o.trigger_at);
    w.Opt(o.due_at);
    w.Opt(o.satisfied_at);
    w.Opt(o.breached_at);
    w.U(o.status);
    w.U(o.justified);
  }
  return w.Take();
}

Result<AuditCase> DecodeFacts(std::string_view case_id, std::string_view bytes, StringPool* pool) {
  Reader r(bytes);
  if (r.U() != kFormatVersion) {
    return Status::Corruption("audit facts of " + std::string(case_id) + ": unknown format");
  }
  AuditCase c;
  c.case_id = std::string(case_id);
  auto str = [&] { return pool->Intern(r.S()); };
  c.jurisdiction = str();
  c.identified_at = r.I();
  c.identifying_agency = str();
  c.representation_needed = r.U() != 0;
  c.first_representative_at = r.I();
  c.representatives = r.U32();
  c.age_disputed = r.U() != 0;
  c.age_disputed_at = r.I();
  c.age_assessed_at = r.I();
  c.age_assessments = r.U32();
  c.age_methods = r.U32();
  c.missing_episodes = r.U32();
  c.missing_open = r.U() != 0;
  c.referrals = r.U32();
  c.last_referral_at = r.I();
  c.transfers = r.U32();
  c.last_transfer_at = r.I();
  c.transferred_to = str();
  c.crime_reported_at = r.I();
  c.charges_at = r.I();
  c.trial_at = r.I();
  c.discontinued = r.U() != 0;
  c.verdict = static_cast<uint8_t>(r.U());
  c.compensation_claims = r.U32();
  c.compensation_awards = r.U32();
  c.compensation_payments = r.U32();
  c.closed_at = r.I();
  const uint64_t n_interviews = r.U();
  for (uint64_t k = 0; k < n_interviews && r.ok(); ++k) {
    AuditInterview i;
    i.at = r.I();
    i.sequence = r.U32();
    i.interviewer = str();
    i.agency = str();
    i.premises = static_cast<uint8_t>(r.U());
    const uint64_t flags = r.U();
    i.recorded = flags & 1;
    i.interpreter_present = flags & 2;
    c.interviews.push_back(i);
  }
  const uint64_t n_obligations = r.U();
  for (uint64_t k = 0; k < n_obligations && r.ok(); ++k) {
    AuditObligation o;
    for (uint32_t* s : {&o.rule, &o.limit, &o.trigger_type, &o.trigger_agency, &o.satisfied_agency,
                        &o.accountable_agency, &o.accountable_role}) {
      *s = str();
    }
    o.trigger_at = r.I();
    o.due_at = r.Opt();
    o.satisfied_at = r.Opt();
    o.breached_at = r.Opt();
    o.status = static_cast<uint8_t>(r.U());
    o.justified = r.U() != 0;
    if (o.status > static_cast<uint8_t>(compliance::ObligationStatus::kPending)) break;
    c.obligations.push_back(o);
  }
  if (!r.ok() || !r.done() || c.obligations.size() != n_obligations) {
    return Status::Corruption("audit facts of " + std::string(case_id) + " do not decode");
  }
  return c;
}

void FactsTable::IndexRules() {
  by_rule.clear();
  for (uint32_t c = 0; c < cases.size(); ++c) {
    const auto& obligations = cases[c].obligations;
    for (uint32_t o = 0; o < obligations.size(); ++o) {
      by_rule[obligations[o].rule].push_back({c, o, obligations[o]});
    }
  }
}

std::vector<const FactsTable::Ref*> FactsTable::OfRules(const std::vector<std::string_view>& rules,
                                                        bool sorted) const {
  std::vector<const Ref*> out;
  for (auto rule : rules) {
    auto id = pool.Find(rule);
    if (!id) continue;
    auto it = by_rule.find(*id);
    if (it == by_rule.end()) continue;
    for (const Ref& r : it->second) out.push_back(&r);
  }
  if (sorted && rules.size() > 1) {
    std::sort(out.begin(), out.end(), [](const Ref* a, const Ref* b) {
      return std::tie(a->case_index, a->obligation_index) <
             std::tie(b->case_index, b->obligation_index);
    });
  }
  return out;
}

}  // namespace caseledger::projections::audit
