// The case view folded from hand-written case histories. Every expected value is written out
// from the history above it, never taken from the fold.
#include "projections/case_view.h"

#include <catch2/catch.hpp>

#include "tests/projections/case_view_history.h"

namespace caseledger::case_view_test {
namespace {

TEST_CASE("case view: identification and age, with the presumption of childhood until settled",
          "[caseview]") {
  CaseHistory h;
  h.Add(kT0, [](s::Event::Body::Builder b) {
    auto o = b.initTraffickingIndicatorsObserved();
    auto ind = o.initIndicators(2);
    ind.set(0, s::TraffickingIndicator::NO_IDENTITY_DOCUMENTS);
    ind.set(1, s::TraffickingIndicator::DEBT_BONDAGE);
    ChildFacts(o.initChild(), s::Answer::UNKNOWN, s::Answer::UNKNOWN);
  });
  h.Add(kT0 + kHour, [](s::Event::Body::Builder b) {
    auto d = b.initAgeDisputed();
    d.setClaimedAgeYears(15);
    d.setGrounds("no documents");
  });
  h.Add(kT0 + 2 * kHour, [](s::Event::Body::Builder b) {
    b.initAgePresumptionApplied().setPresumedAgeYears(15);
  });
  h.Add(kT0 + kDay, Presumed(s::Answer::YES));
  h.Add(kT0 + 2 * kDay, [](s::Event::Body::Builder b) { b.initReferredToNrm().setNrmBodyId("se-nrm"); });
  h.Add(kT0 + 3 * kDay, [](s::Event::Body::Builder b) {
    auto a = b.initAgeAssessmentCompleted();
    a.initMethods(1).set(0, s::AgeAssessmentCompleted::Method::PSYCHOSOCIAL_INTERVIEW);
    a.setResult(s::AgeAssessmentCompleted::Result::INCONCLUSIVE);
  });
  CaseViewFold fold;
  h.FoldInto(fold);
  {
    View v(fold);
    CHECK(v->getCaseId() == "case-77");
    CHECK(v->getChildId() == "child-pseudonym-9");
    CHECK(v->getJurisdiction() == s::Jurisdiction::SE);
    CHECK(v->getFirstPosition() == 100);
    CHECK(v->getLastPosition() == 105);
    CHECK(v->getLastVersion() == 5);
    CHECK(v->getFirstOccurredAt() == kT0);
    CHECK(v->getLastOccurredAt() == kT0 + 3 * kDay);
    auto id = v->getIdentification();
    CHECK(id.getIndicatorsObserved() == 1);
    CHECK(id.getFirstIndicatorsAt() == kT0);
    REQUIRE(id.getIndicators().size() == 2);
    CHECK(id.getIndicators()[0] == s::TraffickingIndicator::NO_IDENTITY_DOCUMENTS);
    CHECK(id.getIndicators()[1] == s::TraffickingIndicator::DEBT_BONDAGE);
    CHECK(id.getPresumedVictim());
    CHECK(id.getPresumedAt() == kT0 + kDay);
    REQUIRE(id.getExploitationTypes().size() == 1);
    CHECK(id.getExploitationTypes()[0] == s::ExploitationType::LABOUR);
    CHECK(id.getFormalDecision() == s::FormalVictimStatusDecided::Decision::UNSPECIFIED);
    CHECK(id.getNrmReferredAt() == kT0 + 2 * kDay);
    CHECK(id.getUnaccompanied() == s::Answer::YES);
    CHECK(id.getLawfulStay() == s::Answer::NO);
    auto age = v->getAge();
    CHECK(age.getDisputed());
    CHECK(age.getDisputedAt() == kT0 + kHour);
    CHECK(age.getClaimedAgeYears() == 15);
    CHECK(age.getPresumptionApplied());
    CHECK(age.getPresumedAgeYears() == 15);
    CHECK(age.getAssessments() == 1);
    CHECK(age.getResult() == s::AgeAssessmentCompleted::Result::INCONCLUSIVE);
    CHECK(age.getPresumptionInForce());  // inconclusive: still treated as a child
  }
  h.Add(kT0 + 10 * kDay, [](s::Event::Body::Builder b) {
    auto d = b.initFormalVictimStatusDecided();
    d.setDecision(s::FormalVictimStatusDecided::Decision::RECOGNISED);
    d.setGrounds("criteria met");
    d.initExploitationTypes(1).set(0, s::ExploitationType::BEGGING);
    ChildFacts(d.initChild(), s::Answer::YES, s::Answer::NO);
  });
  h.Add(kT0 + 20 * kDay, [](s::Event::Body::Builder b) {
    auto a = b.initAgeAssessmentCompleted();
    auto m = a.initMethods(2);
    m.set(0, s::AgeAssessmentCompleted::Method::DOCUMENT_EXAMINATION);
    m.set(1, s::AgeAssessmentCompleted::Method::DENTAL_XRAY);
    a.setResult(s::AgeAssessmentCompleted::Result::MINOR);
    a.setAssessedAgeYears(16);
    a.setMinAgeYears(15);
    a.setMaxAgeYears(17);
    a.setOnAppeal(true);
  });
  h.FoldInto(fold);
  View v(fold);
  auto id = v->getIdentification();
  CHECK(id.getFormalDecision() == s::FormalVictimStatusDecided::Decision::RECOGNISED);
  CHECK(id.getFormalDecisionAt() == kT0 + 10 * kDay);
  REQUIRE(id.getExploitationTypes().size() == 2);  // labour (2) and begging (4), in that order
  CHECK(id.getExploitationTypes()[0] == s::ExploitationType::LABOUR);
  CHECK(id.getExploitationTypes()[1] == s::ExploitationType::BEGGING);
  auto age = v->getAge();
  CHECK(age.getAssessments() == 2);
  CHECK(age.getAssessedAt() == kT0 + 20 * kDay);
  CHECK(age.getResult() == s::AgeAssessmentCompleted::Result::MINOR);
  CHECK(age.getAssessedAgeYears() == 16);
  CHECK(age.getMinAgeYears() == 15);
  CHECK(age.getMaxAgeYears() == 17);
  REQUIRE(age.getMethods().size() == 2);
  CHECK(age.getMethods()[1] == s::AgeAssessmentCompleted::Method::DENTAL_XRAY);
  CHECK(age.getOnAppeal());
  CHECK_FALSE(age.getPresumptionInForce());  // settled: a minor by assessment, not presumption
}

TEST_CASE("case view: representatives, their history, and gaps without one", "[caseview]") {
  CaseHistory h;
  h.Add(kT0, Presumed(s::Answer::YES));  // unaccompanied: a representative is owed from here
  h.Add(kT0 + 10 * kHour, [](s::Event::Body::Builder b) {
    auto p = b.initProvisionalRepresentativeDesignated();
    p.setRepresentativeId("prov-1");
    p.setRepresentativeType(s::GuardianType::PROVISIONAL_REPRESENTATIVE);
    p.setGround(s::RepresentationGround::UNACCOMPANIED);
  });
  h.Add(kT0 + 5 * kDay, Guardian("g-1"));
  h.Add(kT0 + 6 * kDay, [](s::Event::Body::Builder b) {
    auto c = b.initGuardianConflictFlagged();
    c.setGuardianId("g-1");
    c.setConflict(s::GuardianConflictFlagged::Conflict::SUSPECTED_INVOLVEMENT);
  });
  h.Add(kT0 + 9 * kDay, [](s::Event::Body::Builder b) {
    auto r = b.initGuardianReplaced();
    r.setPreviousGuardianId("g-1");
    r.setNewGuardianId("g-2");
    r.setGuardianType(s::GuardianType::CIVIL_GUARDIAN);
    r.setReason(s::GuardianReplaced::Reason::CONFLICT_OF_INTEREST);
  });
  CaseViewFold fold;
  h.FoldInto(fold);
  View v(fold);
  auto r = v->getRepresentation();
  CHECK(r.getNeeded());
  CHECK(r.getNeededSinceAt() == kT0);
  CHECK(r.getCurrent().getId() == "g-2");
  CHECK(r.getCurrent().getSinceAt() == kT0 + 9 * kDay);
  CHECK(r.getCurrent().getUntilAt() == 0);
  CHECK(r.getCurrent().getPosition() == 104);
  REQUIRE(r.getHistory().size() == 3);
  CHECK(r.getHistory()[0].getId() == "prov-1");
  CHECK(r.getHistory()[0].getProvisional());
  CHECK(r.getHistory()[0].getUntilAt() == kT0 + 5 * kDay);
  CHECK(r.getHistory()[1].getId() == "g-1");
  CHECK(r.getHistory()[1].getConflictFlagged());
  CHECK(r.getHistory()[1].getSinceAt() == kT0 + 5 * kDay);
  CHECK(r.getHistory()[1].getUntilAt() == kT0 + 9 * kDay);
  CHECK(r.getHistory()[2].getGround() == s::RepresentationGround::UNACCOMPANIED);
  REQUIRE(r.getGaps().size() == 1);
  CHECK(r.getGaps()[0].getStartAt() == kT0);
  CHECK(r.getGaps()[0].getEndAt() == kT0 + 10 * kHour);
  CHECK_FALSE(r.getGaps()[0].getOpen());
}

TEST_CASE("case view: a parental conflict opens a gap that stays open until closure",
          "[caseview]") {
  CaseHistory h;
  h.Add(kT0, Presumed(s::Answer::NO, s::Answer::YES));
  CaseViewFold fold;
  h.FoldInto(fold);
  {
    View v(fold);
    REQUIRE(v->getRepresentation().getGaps().size() == 1);
    CHECK(v->getRepresentation().getGaps()[0].getOpen());
    CHECK(v->getRepresentation().getGaps()[0].getEndAt() == 0);
    CHECK_FALSE(v->getRepresentation().getCurrent().hasId());
  }
  h.Add(kT0 + 40 * kDay, [](s::Event::Body::Builder b) {
    b.initCaseClosed().setReason(s::CaseClosed::Reason::REACHED_MAJORITY);
  });
  h.FoldInto(fold);
  View v(fold);
  CHECK_FALSE(v->getRepresentation().getNeeded());
  CHECK(v->getRepresentation().getGaps()[0].getEndAt() == kT0 + 40 * kDay);
  CHECK_FALSE(v->getRepresentation().getGaps()[0].getOpen());
  CHECK(v->getClosure().getClosed());
  CHECK(v->getClosure().getReason() == s::CaseClosed::Reason::REACHED_MAJORITY);

  SECTION("an accompanied child without a parental conflict is owed no representative") {
    CaseHistory other;
    other.Add(kT0, Presumed(s::Answer::NO, s::Answer::NO));
    CaseViewFold f2;
    other.FoldInto(f2);
    View v2(f2);
    CHECK_FALSE(v2->getRepresentation().getNeeded());
    CHECK(v2->getRepresentation().getGaps().size() == 0);
  }
}

TEST_CASE("case view: reflection period and placements", "[caseview]") {
  CaseHistory h;
  h.Add(kT0, [](s::Event::Body::Builder b) {
    auto g = b.initReflectionPeriodGranted();
    g.setStartAt(kT0);
    g.setEndAt(kT0 + 30 * kDay);
    g.setBasis(s::ReflectionPeriodGranted::Basis::REFLECTION_PERIOD);
  });
  h.Add(kT0 + 25 * kDay, [](s::Event::Body::Builder b) {
    b.initReflectionPeriodExtended().setNewEndAt(kT0 + 60 * kDay);
  });
  h.Add(kT0 + 40 * kDay, [](s::Event::Body::Builder b) {
    b.initReflectionPeriodEnded().setEndReason(
        s::ReflectionPeriodEnded::EndReason::DECIDED_TO_COOPERATE);
  });
  h.Add(kT0 + kHour, Placed("prov-shelter-1", s::PlacementType::SPECIALISED_SHELTER));
  h.Add(kT0 + 3 * kDay, Moved("foster-8", s::PlacementType::FOSTER_FAMILY, true));
  CaseViewFold fold;
  h.FoldInto(fold);
  {
    View v(fold);
    auto rf = v->getReflection();
    CHECK(rf.getGranted());
    CHECK(rf.getGrantedAt() == kT0);
    CHECK(rf.getBasis() == s::ReflectionPeriodGranted::Basis::REFLECTION_PERIOD);
    CHECK(rf.getStartAt() == kT0);
    CHECK(rf.getEndAt() == kT0 + 60 * kDay);
    CHECK(rf.getExtensions() == 1);
    CHECK(rf.getEnded());
    CHECK(rf.getEndedAt() == kT0 + 40 * kDay);
    CHECK(rf.getEndReason() == s::ReflectionPeriodEnded::EndReason::DECIDED_TO_COOPERATE);
    auto pl = v->getPlacement();
    CHECK(pl.getPlaced());
    CHECK(pl.getCurrent().getProviderId() == "foster-8");
    CHECK(pl.getCurrent().getType() == s::PlacementType::FOSTER_FAMILY);
    CHECK(pl.getCurrent().getSecure());
    CHECK(pl.getCurrent().getSinceAt() == kT0 + 3 * kDay);
    REQUIRE(pl.getHistory().size() == 2);
    CHECK(pl.getHistory()[0].getUntilAt() == kT0 + 3 * kDay);
    CHECK(pl.getHistory()[0].getChangeReason() == s::PlacementChanged::ChangeReason::SAFETY);
  }
  h.Add(kT0 + 50 * kDay, [](s::Event::Body::Builder b) {
    b.initPlacementEnded().setEndReason(s::PlacementEnded::EndReason::RETURNED_TO_FAMILY);
  });
  h.FoldInto(fold);
  View v(fold);
  CHECK_FALSE(v->getPlacement().getPlaced());
  REQUIRE(v->getPlacement().getHistory().size() == 2);
  CHECK(v->getPlacement().getHistory()[1].getUntilAt() == kT0 + 50 * kDay);
  CHECK(v->getPlacement().getHistory()[1].getEndReason() ==
        s::PlacementEnded::EndReason::RETURNED_TO_FAMILY);
}

TEST_CASE("case view: assessments, support and services", "[caseview]") {
  CaseHistory h;
  h.Add(kT0 + kDay, [](s::Event::Body::Builder b) {
    auto a = b.initIndividualAssessmentCompleted();
    a.setRiskLevel(s::RiskLevel::MEDIUM);
    a.setNextReviewAt(kT0 + 90 * kDay);
  });
  h.Add(kT0 + 2 * kDay, [](s::Event::Body::Builder b) {
    b.initRiskAssessmentUpdated().setRiskLevel(s::RiskLevel::HIGH);  // sets no review time
  });
  h.Add(kT0 + 3 * kDay, [](s::Event::Body::Builder b) {
    b.initBestInterestsDeterminationCompleted().initPanelRoles(1).set(0, s::AgencyRole::COURT);
  });
  h.Add(kT0 + 4 * kDay, [](s::Event::Body::Builder b) {
    b.initCaseConferenceHeld().setNextReviewAt(kT0 + 30 * kDay);
  });
  h.Add(kT0 + 5 * kDay, [](s::Event::Body::Builder b) { b.initCaseConferenceHeld(); });
  h.Add(kT0 + 6 * kDay, [](s::Event::Body::Builder b) {
    auto c = b.initCrisisSupportProvided();
    c.setProviderId("crisis-team");
    c.setDeclinedByChild(true);
  });
  h.Add(kT0 + 7 * kDay, [](s::Event::Body::Builder b) { b.initTherapyStarted().setProviderId("bup-3"); });
  h.Add(kT0 + 8 * kDay, [](s::Event::Body::Builder b) { b.initSchoolEnrolled().setSchoolId("school-12"); });
  h.Add(kT0 + 9 * kDay, [](s::Event::Body::Builder b) {
    b.initEducationArrangementProvided().setArrangement(
        s::EducationArrangementProvided::Arrangement::LANGUAGE_SUPPORT);
  });
  CaseViewFold fold;
  h.FoldInto(fold);
  View v(fold);
  auto as = v->getAssessments();
  CHECK(as.getIndividual() == 1);
  CHECK(as.getLastIndividualAt() == kT0 + kDay);
  CHECK(as.getRiskUpdates() == 1);
  CHECK(as.getRiskLevel() == s::RiskLevel::HIGH);
  CHECK(as.getBestInterests() == 1);
  CHECK(as.getLastBestInterestsAt() == kT0 + 3 * kDay);
  CHECK(as.getCaseConferences() == 2);
  CHECK(as.getLastCaseConferenceAt() == kT0 + 5 * kDay);
  CHECK(as.getNextReviewAt() == kT0 + 30 * kDay);  // the latest that set one
  auto sp = v->getSupport();
  CHECK(sp.getCrisisSupport() == 1);
  CHECK(sp.getCrisisSupportDeclined());
  CHECK(sp.getTherapies() == 1);
  CHECK(sp.getInTherapy());
  CHECK(sp.getTherapyStartedAt() == kT0 + 7 * kDay);
  CHECK(sp.getSchoolEnrolled());
  CHECK(sp.getSchoolId() == "school-12");
  CHECK(sp.getSchoolEnrolledAt() == kT0 + 8 * kDay);
  CHECK(sp.getEducationArrangements() == 1);
  CHECK(sp.getLastEducationArrangementAt() == kT0 + 9 * kDay);
}

TEST_CASE("case view: interviews, interviewers and who was present", "[caseview]") {
  CaseHistory h;
  h.Add(kT0, [](s::Event::Body::Builder b) {
    b.initForensicInterviewScheduled().setInterviewerId("iv-1");
  });
  h.Add(kT0 + kDay, Interview(1, "iv-1", true, true, false, false, true));
  h.Add(kT0 + 8 * kDay, Interview(2, "iv-2", false, false, true, true, false));
  h.Add(kT0 + 15 * kDay, Interview(3, "iv-1", true, false, false, false, false));
  CaseViewFold fold;
  h.FoldInto(fold);
  View v(fold);
  auto iv = v->getInterviews();
  CHECK(iv.getScheduled() == 1);
  CHECK(iv.getConducted() == 3);
  CHECK(iv.getRecorded() == 2);
  REQUIRE(iv.getInterviewers().size() == 2);
  CHECK(iv.getInterviewers()[0] == "iv-1");
  CHECK(iv.getInterviewers()[1] == "iv-2");
  CHECK(iv.getFirstAt() == kT0 + kDay);
  CHECK(iv.getLastAt() == kT0 + 15 * kDay);
  REQUIRE(iv.getHeld().size() == 3);
  auto first = iv.getHeld()[0];
  CHECK(first.getPosition() == 101);
  CHECK(first.getGuardianPresent());
  CHECK_FALSE(first.getSupportPersonPresent());
  CHECK(first.getInterpreterPresent());
  CHECK(first.getPremises() == s::Premises::BARNAHUS);
  auto second = iv.getHeld()[1];
  CHECK(second.getSequenceNumber() == 2);
  CHECK_FALSE(second.getRecorded());
  CHECK(second.getSupportPersonPresent());
  CHECK(second.getCounselPresent());
  CHECK_FALSE(second.getInterpreterPresent());
}

}  // namespace
}  // namespace caseledger::case_view_test
