// ViewState <-> schema::CaseView, field for field. Both directions sit side by side per section
// so that a field added to one is easy to see missing from the other.
#include <capnp/dynamic.h>
#include <capnp/schema.h>

#include <unordered_map>

#include "projections/case_view_state.h"

namespace caseledger::detail {

namespace {

template <typename Enum>
std::vector<Enum> BitsToEnums(uint32_t bits) {
  std::vector<Enum> out;
  for (uint16_t n = 0; n < 32; ++n) {
    if (bits & (1u << n)) out.push_back(static_cast<Enum>(n));
  }
  return out;
}

template <typename List>
uint32_t EnumsToBits(List list) {
  uint32_t bits = 0;
  for (auto v : list) {
    auto n = static_cast<uint16_t>(v);
    if (n < 32) bits |= 1u << n;
  }
  return bits;
}

template <typename Builder, typename T>
void SetList(Builder list, const std::vector<T>& values) {
  for (size_t i = 0; i < values.size(); ++i) list.set(i, values[i]);
}

void IdentificationTo(const IdentificationState& x, s::CaseView::Identification::Builder b) {
  b.setIndicatorsObserved(x.indicators_observed);
  b.setFirstIndicatorsAt(x.first_indicators_at);
  auto ind = BitsToEnums<s::TraffickingIndicator>(x.indicator_bits);
  SetList(b.initIndicators(ind.size()), ind);
  b.setPresumedVictim(x.presumed_victim);
  b.setPresumedAt(x.presumed_at);
  auto ex = BitsToEnums<s::ExploitationType>(x.exploitation_bits);
  SetList(b.initExploitationTypes(ex.size()), ex);
  b.setFormalDecision(x.formal_decision);
  b.setFormalDecisionAt(x.formal_decision_at);
  b.setFormalDecisionAppealed(x.formal_decision_appealed);
  b.setNrmReferredAt(x.nrm_referred_at);
  b.setNrmAcceptedAt(x.nrm_accepted_at);
  b.setUnaccompanied(x.unaccompanied);
  b.setParentalConflictOfInterest(x.parental_conflict);
  b.setForeignNational(x.foreign_national);
  b.setLawfulStay(x.lawful_stay);
}

void IdentificationFrom(s::CaseView::Identification::Reader b, IdentificationState& x) {
  x.indicators_observed = b.getIndicatorsObserved();
  x.first_indicators_at = b.getFirstIndicatorsAt();
  x.indicator_bits = EnumsToBits(b.getIndicators());
  x.presumed_victim = b.getPresumedVictim();
  x.presumed_at = b.getPresumedAt();
  x.exploitation_bits = EnumsToBits(b.getExploitationTypes());
  x.formal_decision = b.getFormalDecision();
  x.formal_decision_at = b.getFormalDecisionAt();
  x.formal_decision_appealed = b.getFormalDecisionAppealed();
  x.nrm_referred_at = b.getNrmReferredAt();
  x.nrm_accepted_at = b.getNrmAcceptedAt();
  x.unaccompanied = b.getUnaccompanied();
  x.parental_conflict = b.getParentalConflictOfInterest();
  x.foreign_national = b.getForeignNational();
  x.lawful_stay = b.getLawfulStay();
}

bool PresumptionInForce(const AgeState& a) {
  return (a.disputed || a.presumption_applied || a.age_basis == s::AgeBasis::UNKNOWN) &&
         !a.settled;
}

void AgeTo(const AgeState& x, s::CaseView::AgeStatus::Builder b) {
  b.setAgeYears(x.age_years);
  b.setAgeBasis(x.age_basis);
  b.setClaimedAgeYears(x.claimed_age_years);
  b.setDisputed(x.disputed);
  b.setDisputedAt(x.disputed_at);
  b.setPresumptionApplied(x.presumption_applied);
  b.setPresumptionAppliedAt(x.presumption_applied_at);
  b.setPresumedAgeYears(x.presumed_age_years);
  b.setAssessments(x.assessments);
  b.setAssessedAt(x.assessed_at);
  b.setResult(x.result);
  b.setAssessedAgeYears(x.assessed_age_years);
  b.setMinAgeYears(x.min_age_years);
  b.setMaxAgeYears(x.max_age_years);
  SetList(b.initMethods(x.methods.size()), x.methods);
  b.setOnAppeal(x.on_appeal);
  b.setPresumptionInForce(PresumptionInForce(x));
}

void AgeFrom(s::CaseView::AgeStatus::Reader b, AgeState& x) {
  using R = s::AgeAssessmentCompleted::Result;
  x.age_years = b.getAgeYears();
  x.age_basis = b.getAgeBasis();
  x.claimed_age_years = b.getClaimedAgeYears();
  x.disputed = b.getDisputed();
  x.disputed_at = b.getDisputedAt();
  x.presumption_applied = b.getPresumptionApplied();
  x.presumption_applied_at = b.getPresumptionAppliedAt();
  x.presumed_age_years = b.getPresumedAgeYears();
  x.assessments = b.getAssessments();
  x.assessed_at = b.getAssessedAt();
  x.result = b.getResult();
  x.assessed_age_years = b.getAssessedAgeYears();
  x.min_age_years = b.getMinAgeYears();
  x.max_age_years = b.getMaxAgeYears();
  AssignList(x.methods, b.getMethods());
  x.on_appeal = b.getOnAppeal();
  // `settled` is not stored; the result says it, unless a dispute came after the assessment,
  // which the stored flag then shows as a presumption in force.
  x.settled = (x.result == R::MINOR || x.result == R::ADULT) && !b.getPresumptionInForce();
}

void RepresentativeTo(const RepresentativeState& x, s::CaseView::Representative::Builder b) {
  b.setId(x.id);
  b.setType(x.type);
  b.setGround(x.ground);
  b.setProvisional(x.provisional);
  b.setSinceAt(x.since_at);
  b.setUntilAt(x.until_at);
  b.setPosition(x.position);
  b.setConflictFlagged(x.conflict_flagged);
}

RepresentativeState RepresentativeFrom(s::CaseView::Representative::Reader b) {
  return RepresentativeState{b.getId(),      b.getType(),     b.getGround(),
                             b.getProvisional(), b.getSinceAt(), b.getUntilAt(),
                             b.getPosition(),    b.getConflictFlagged()};
}

void RepresentationTo(const RepresentationState& x, s::CaseView::Representation::Builder b) {
  b.setNeeded(x.needed);
  b.setNeededSinceAt(x.needed_since_at);
  if (x.has_current) RepresentativeTo(x.history.back(), b.initCurrent());
  auto h = b.initHistory(x.history.size());
  for (size_t i = 0; i < x.history.size(); ++i) RepresentativeTo(x.history[i], h[i]);
  auto g = b.initGaps(x.gaps.size());
  for (size_t i = 0; i < x.gaps.size(); ++i) {
    g[i].setStartAt(x.gaps[i].start_at);
    g[i].setEndAt(x.gaps[i].end_at);
    g[i].setOpen(x.gaps[i].open);
  }
}

void RepresentationFrom(s::CaseView::Representation::Reader b, RepresentationState& x) {
  x.needed = b.getNeeded();
  x.needed_since_at = b.getNeededSinceAt();
  for (auto r : b.getHistory()) x.history.push_back(RepresentativeFrom(r));
  x.has_current = b.hasCurrent() && b.getCurrent().getId().size() > 0;
  for (auto g : b.getGaps()) x.gaps.push_back(GapState{g.getStartAt(), g.getEndAt(), g.getOpen()});
}

void ReflectionTo(const ReflectionState& x, s::CaseView::Reflection::Builder b) {
  b.setGranted(x.granted);
  b.setGrantedAt(x.granted_at);
  b.setBasis(x.basis);
  b.setStartAt(x.start_at);
  b.setEndAt(x.end_at);
  b.setExtensions(x.extensions);
  b.setEnded(x.ended);
  b.setEndedAt(x.ended_at);
  b.setEndReason(x.end_reason);
}

void ReflectionFrom(s::CaseView::Reflection::Reader b, ReflectionState& x) {
  x = ReflectionState{b.getGranted(),    b.getGrantedAt(),  b.getBasis(),
                      b.getStartAt(),    b.getEndAt(),      b.getExtensions(),
                      b.getEnded(),      b.getEndedAt(),    b.getEndReason()};
}

void PlacementTo(const PlacementState& x, s::CaseView::Placement::Builder b) {
  b.setType(x.type);
  b.setProviderId(x.provider_id);
  b.setSecure(x.secure);
  b.setCareOrder(x.care_order);
  b.setEmergency(x.emergency);
  b.setSinceAt(x.since_at);
  b.setUntilAt(x.until_at);
  b.setPosition(x.position);
  b.setChangeReason(x.change_reason);
  b.setEndReason(x.end_reason);
}

PlacementState PlacementFrom(s::CaseView::Placement::Reader b) {
  return PlacementState{b.getType(),      b.getProviderId(), b.getSecure(),
                        b.getCareOrder(), b.getEmergency(),  b.getSinceAt(),
                        b.getUntilAt(),   b.getPosition(),   b.getChangeReason(),
                        b.getEndReason()};
}

void PlacementsTo(const PlacementsState& x, s::CaseView::Placements::Builder b) {
  b.setPlaced(x.placed);
  if (x.placed) PlacementTo(x.history.back(), b.initCurrent());
  auto h = b.initHistory(x.history.size());
  for (size_t i = 0; i < x.history.size(); ++i) PlacementTo(x.history[i], h[i]);
}

void PlacementsFrom(s::CaseView::Placements::Reader b, PlacementsState& x) {
  x.placed = b.getPlaced() && b.getHistory().size() > 0;
  for (auto p : b.getHistory()) x.history.push_back(PlacementFrom(p));
}

}  // namespace

// Sections with only scalars and the top level: case_view_codec_scalars.cc.
void ScalarsTo(const ViewState& x, s::CaseView::Builder b);
void ScalarsFrom(s::CaseView::Reader b, ViewState& x);

void ToMessage(const ViewState& x, s::CaseView::Builder b) {
  ScalarsTo(x, b);
  IdentificationTo(x.facts.identification, b.initIdentification());
  AgeTo(x.facts.age, b.initAge());
  RepresentationTo(x.facts.representation, b.initRepresentation());
  ReflectionTo(x.facts.reflection, b.initReflection());
  PlacementsTo(x.facts.placement, b.initPlacement());
}

void FromMessage(s::CaseView::Reader b, ViewState& x) {
  ScalarsFrom(b, x);
  IdentificationFrom(b.getIdentification(), x.facts.identification);
  AgeFrom(b.getAge(), x.facts.age);
  RepresentationFrom(b.getRepresentation(), x.facts.representation);
  ReflectionFrom(b.getReflection(), x.facts.reflection);
  PlacementsFrom(b.getPlacement(), x.facts.placement);
}

namespace {

struct TypeNames {
  std::vector<std::string> by_which;
  std::unordered_map<std::string, uint16_t> by_name;
  TypeNames() {
    auto body = capnp::Schema::from<s::Event>().getFieldByName("body").getType().asStruct();
    for (auto field : body.getUnionFields()) {
      uint16_t d = field.getProto().getDiscriminantValue();
      if (by_which.size() <= d) by_which.resize(d + 1, "unknown");
      by_which[d] = field.getProto().getName();
      by_name[by_which[d]] = d;
    }
  }
};

const TypeNames& Names() {
  static const TypeNames names;
  return names;
}

}  // namespace

const std::string& EventTypeNameOf(uint16_t which) {
  static const std::string kUnknown = "unknown";
  const auto& names = Names().by_which;
  return which < names.size() ? names[which] : kUnknown;
}

uint16_t EventTypeFromName(const std::string& name) {
  auto it = Names().by_name.find(name);
  return it == Names().by_name.end() ? 0 : it->second;
}

}  // namespace caseledger::detail
