// Planning a case, first part: the child's facts, identification, referral, child-protection
// clocks, age, representation, reflection, assistance and the assessments of the first week
// (synthetic_planner.h says how deadlines are kept or missed).
#include <algorithm>

#include "tools/synthetic_planner.h"

namespace caseledger::synthetic::detail {
namespace {

using schema::AgencyRole;
using schema::Answer;
using schema::Jurisdiction;
using Body = schema::Event::Body;
using ET = schema::ExploitationType;
using TI = schema::TraffickingIndicator;

struct ContextChoice {
  schema::TraffickingIndicatorsObserved::ObservationContext context;
  AgencyRole observer;
  AgencyRole identifier;
  uint16_t weight_national;
  uint16_t weight_foreign;
};

using Ctx = schema::TraffickingIndicatorsObserved::ObservationContext;
constexpr ContextChoice kContexts[] = {
    {Ctx::BORDER_CHECK, AgencyRole::BORDER_GUARD, AgencyRole::BORDER_GUARD, 0, 15},
    {Ctx::POLICE_OPERATION, AgencyRole::POLICE, AgencyRole::POLICE, 30, 25},
    {Ctx::CHILD_PROTECTION, AgencyRole::CHILD_PROTECTION, AgencyRole::CHILD_PROTECTION, 30, 12},
    {Ctx::SCHOOL, AgencyRole::EDUCATION, AgencyRole::CHILD_PROTECTION, 15, 5},
    {Ctx::HEALTH_CARE, AgencyRole::HEALTH, AgencyRole::CHILD_PROTECTION, 10, 6},
    {Ctx::ASYLUM_RECEPTION, AgencyRole::MIGRATION, AgencyRole::MIGRATION, 0, 20},
    {Ctx::ONLINE, AgencyRole::POLICE, AgencyRole::POLICE, 15, 5},
};

// Weights of ExploitationType 1..10.
constexpr uint16_t kExploitationWeights[] = {30, 14, 20, 9, 5, 4, 0, 0, 12, 3};
constexpr uint16_t kAgeWeights[] = {2, 2, 3, 4, 5, 8, 12, 16, 20, 18};  // ages 8..17

using TI = schema::TraffickingIndicator;
using ET = schema::ExploitationType;

uint32_t Bit(TI i) { return 1u << static_cast<int>(i); }

uint32_t IndicatorsFor(ET type) {
  switch (type) {
    case ET::SEXUAL:
      return Bit(TI::SIGNS_OF_SEXUAL_EXPLOITATION) | Bit(TI::MOVEMENT_CONTROLLED);
    case ET::LABOUR:
      return Bit(TI::EXCESSIVE_WORK_OR_NO_PAY) | Bit(TI::LIVES_AT_WORKPLACE);
    case ET::FORCED_CRIMINALITY:
      return Bit(TI::FORCED_TO_COMMIT_OFFENCES) | Bit(TI::MOVEMENT_CONTROLLED);
    case ET::BEGGING:
      return Bit(TI::BEGGING_OBSERVED) | Bit(TI::TRAVELS_WITH_UNRELATED_ADULT);
    case ET::DOMESTIC_SERVITUDE:
      return Bit(TI::LIVES_AT_WORKPLACE) | Bit(TI::NOT_IN_SCHOOL);
    case ET::FORCED_MARRIAGE:
      return Bit(TI::THREATS_OR_VIOLENCE) | Bit(TI::MOVEMENT_CONTROLLED);
    case ET::ONLINE_SEXUAL:
      return Bit(TI::ONLINE_RECRUITMENT_OR_GROOMING) | Bit(TI::SIGNS_OF_SEXUAL_EXPLOITATION);
    default:
      return Bit(TI::OTHER);
  }
}

}  // namespace

bool Planner::IsChildPresent(EventType type) {
  switch (type) {
    case Body::FORENSIC_INTERVIEW_CONDUCTED:
    case Body::MEDICAL_EXAMINATION_PERFORMED:
    case Body::SCHOOL_ENROLLED:
    case Body::THERAPY_STARTED:
    case Body::CRISIS_SUPPORT_PROVIDED:
    case Body::INFORMATION_PROVIDED_TO_CHILD:
    case Body::PLACEMENT_STARTED:
      return true;
    default:
      return false;
  }
}

int64_t Planner::Office(int64_t t, int64_t hi) const {
  int64_t s = t;
  for (int i = 0; i < 4; ++i) {
    const int64_t day = s - ((s % kDay) + kDay) % kDay;
    const int64_t tod = s - day;
    const int wd = Weekday(s);
    if (wd == 0 || wd == 6 || tod >= 13 * kHour) {
      s = day + kDay + 7 * kHour + (t % (6 * kHour));
    } else if (tod < 7 * kHour) {
      s = day + 7 * kHour + (t % (6 * kHour));
    } else {
      break;
    }
  }
  return s <= hi && s >= t ? s : t;
}

void Planner::Run() {
  Facts();
  Identification();
  Referral();
  ChildProtection();
  Age();
  Representation();
  Reflection();
  Assistance();
  Assessments();
  Suspect();
  Criminal();
  School();
  MissingEpisode();
  Residence();
  Closure();
  Reviews();
  Corrections();
}

void Planner::Facts() {
  const Nationality& own = NationalOf(plan_.jurisdiction);
  const bool new_child = child_.cases == 0;
  if (new_child) {
    const bool national = rng_.Chance(0.35);
    child_.nationality = national
                             ? NationalityIndexOf(plan_.jurisdiction)
                             : static_cast<uint8_t>(8 + rng_.Below(ForeignNationalities().size()));
    child_.gender = static_cast<uint8_t>(rng_.Chance(0.03) ? 2 : rng_.Below(2));
    const int age = 8 + static_cast<int>(rng_.Weighted(kAgeWeights));
    const int64_t days_old = age * 36525 / 100 + In(5, 360);
    child_.birth = CivilFromDays(plan_.base / kDay - days_old);
  }
  ++child_.cases;
  const Nationality& nat = NationalityAt(child_.nationality);
  const bool foreign = std::string_view(nat.iso) != own.iso;
  f_.age = static_cast<uint8_t>(std::clamp(AgeOn(child_.birth, DateOf(plan_.base)), 1, 17));
  f_.foreign = foreign ? Answer::YES : Answer::NO;
  f_.lawful_stay = !foreign || nat.eu || rng_.Chance(0.25) ? Answer::YES : Answer::NO;
  const bool unaccompanied = rng_.Chance(foreign ? 0.6 : 0.03);
  f_.unaccompanied = unaccompanied ? Answer::YES : Answer::NO;
  f_.conflict = !unaccompanied && rng_.Chance(foreign ? 0.35 : 0.4) ? Answer::YES : Answer::NO;
  f_.needs_interpreter =
      foreign && std::string_view(nat.language) != own.language && rng_.Chance(0.9);
  const double basis = rng_.Real();
  f_.age_basis = basis < 0.35  ? schema::AgeBasis::DOCUMENTED
                 : basis < 0.8 ? schema::AgeBasis::CLAIMED
                               : schema::AgeBasis::PROFESSIONAL_ESTIMATE;
  f_.age_disputed =
      foreign && f_.age_basis != schema::AgeBasis::DOCUMENTED && f_.age >= 14 && rng_.Chance(0.25);

  const ET primary = static_cast<ET>(1 + rng_.Weighted(kExploitationWeights));
  f_.exploitation = static_cast<uint16_t>(1u << static_cast<int>(primary));
  if (rng_.Chance(0.25)) {
    f_.exploitation |= static_cast<uint16_t>(1u << (1 + rng_.Weighted(kExploitationWeights)));
  }
  for (int t = 1; t <= 10; ++t) {
    if (Has(f_.exploitation, static_cast<ET>(t)))
      f_.indicators |= IndicatorsFor(static_cast<ET>(t));
  }
  if (foreign && f_.age_basis != schema::AgeBasis::DOCUMENTED)
    f_.indicators |= Bit(TI::NO_IDENTITY_DOCUMENTS);
  constexpr TI kExtra[] = {TI::DOCUMENTS_HELD_BY_OTHERS, TI::COACHED_ACCOUNT,
                           TI::FEAR_OF_AUTHORITIES,      TI::NOT_IN_SCHOOL,
                           TI::SUBSTANCE_USE_INDUCED,    TI::DEBT_BONDAGE};
  for (int k = static_cast<int>(rng_.Below(3)); k > 0; --k) {
    f_.indicators |= Bit(kExtra[rng_.Below(std::size(kExtra))]);
  }

  const bool sexual = Has(f_.exploitation, ET::SEXUAL) || Has(f_.exploitation, ET::ONLINE_SEXUAL) ||
                      Has(f_.exploitation, ET::FORCED_MARRIAGE);
  f_.crime_reported = rng_.Chance(0.88);
  f_.violence = f_.crime_reported && rng_.Chance(sexual ? 0.75 : 0.3);
  f_.acute = f_.violence && rng_.Chance(0.3);
  if (f_.violence) f_.indicators |= Bit(TI::SIGNS_OF_PHYSICAL_ABUSE);
  f_.placed = unaccompanied || f_.conflict == Answer::YES || rng_.Chance(0.3);
  f_.psych_need = rng_.Chance(0.6);
  f_.return_path = foreign && f_.lawful_stay == Answer::NO && rng_.Chance(0.3);

  uint16_t weights[std::size(kContexts)];
  for (size_t i = 0; i < std::size(kContexts); ++i) {
    weights[i] = foreign ? kContexts[i].weight_foreign : kContexts[i].weight_national;
  }
  const ContextChoice& c = kContexts[rng_.Weighted(weights)];
  f_.context = static_cast<uint8_t>(c.context);
  f_.observer_role = static_cast<uint8_t>(c.observer);
  f_.identifier_role = static_cast<uint8_t>(c.identifier);
}

void Planner::Identification() {
  Add(Body::TRAFFICKING_INDICATORS_OBSERVED, plan_.base);
  identification = Add(Body::PRESUMED_VICTIM_IDENTIFIED, plan_.base + In(10 * kMinute, 6 * kHour));
  id_ = At(identification);
}

// R03: referral to the NRM and a child-protection report within 24 h of identification.
void Planner::Referral() {
  const Dev d = Choose({Dev::kLate, Dev::kMissing, Dev::kLateRecorded});
  if (d == Dev::kMissing) {
    Missing(Body::REFERRED_TO_NRM, 3);
  } else {
    const int r = Add(Body::REFERRED_TO_NRM,
                      id_ + (d == Dev::kLate ? In(30 * kHour, 6 * kDay) : In(kHour, 20 * kHour)));
    if (d == Dev::kLate) Late(r, 3, id_ + 24 * kHour);
    Apply(d, r, 3);
    Add(Body::REFERRAL_ACCEPTED, Office(At(r) + In(4 * kHour, 5 * kDay), At(r) + 6 * kDay));
  }
  formal_ = Add(Body::FORMAL_VICTIM_STATUS_DECIDED,
                Office(id_ + In(20 * kDay, 90 * kDay), id_ + 92 * kDay));
  steps[formal_].variant = static_cast<uint8_t>(
      rng_.Chance(0.9) ? schema::FormalVictimStatusDecided::Decision::RECOGNISED
                       : schema::FormalVictimStatusDecided::Decision::NOT_RECOGNISED);
}

// R03 (the report) and R28: the child-protection clocks.
void Planner::ChildProtection() {
  const Dev dr = Choose({Dev::kLate, Dev::kLateRecorded});
  report_ = Add(Body::CHILD_PROTECTION_REPORT_RECEIVED,
                id_ + (dr == Dev::kLate ? In(30 * kHour, 6 * kDay) : In(20 * kMinute, 20 * kHour)));
  if (dr == Dev::kLate) Late(report_, 3, id_ + 24 * kHour);
  Apply(dr, report_, 3);
  const int64_t rep = At(report_);

  // Assessment decision: DK 24 h, FI 7 working days, NO one week, elsewhere 7 days.
  const Dev da = Choose({Dev::kLate, Dev::kLateRecorded});
  int64_t at, due;
  if (Is(Jurisdiction::DK)) {
    due = rep + 24 * kHour;
    at = da == Dev::kLate ? rep + In(30 * kHour, 5 * kDay) : rep + In(kHour, 20 * kHour);
  } else if (Is(Jurisdiction::FI)) {
    due = AddWorkingDays(rep, 7);
    at = da == Dev::kLate ? due + In(2 * kDay, 10 * kDay)
                          : Office(rep + In(2 * kHour, 5 * kDay), rep + 5 * kDay);
  } else {
    due = rep + 7 * kDay;
    at = da == Dev::kLate
             ? rep + In(8 * kDay + 12 * kHour, 20 * kDay)
             : Office(rep + In(2 * kHour, 5 * kDay + 12 * kHour), rep + 5 * kDay + 12 * kHour);
  }
  const int a = Add(Body::CP_ASSESSMENT_DECIDED, at);
  if (da == Dev::kLate) Late(a, 28, due);
  Apply(da, a, 28);

  // Investigation: DK 4 months, elsewhere 3 months, from the report.
  const int months = Is(Jurisdiction::DK) ? 4 : 3;
  const Dev di = Choose({Dev::kLate});
  const int64_t done =
      di == Dev::kLate
          ? AddMonths(at, months) + In(10 * kDay, 40 * kDay)
          : Office(rep + In(std::max(at - rep + 10 * kDay, 20 * kDay), 75 * kDay), rep + 76 * kDay);
  const int c = Add(Body::CP_INVESTIGATION_COMPLETED, done);
  if (di == Dev::kLate) Late(c, 28, AddMonths(rep, months));
}

// R01: the presumption of childhood applies at once when the age is disputed.
void Planner::Age() {
  if (!f_.age_disputed) return;
  const int dispute = Add(Body::AGE_DISPUTED, id_ + In(kHour, 2 * kDay));
  const Dev d = Choose({Dev::kMissing});
  if (d == Dev::kMissing) {
    Missing(Body::AGE_PRESUMPTION_APPLIED, 1);
  } else {
    const int p = Add(Body::AGE_PRESUMPTION_APPLIED, At(dispute) + In(5 * kMinute, 2 * kHour));
    steps[p].record_with = dispute;
  }
  const int a = Add(Body::AGE_ASSESSMENT_COMPLETED,
                    Office(At(dispute) + In(10 * kDay, 40 * kDay), At(dispute) + 42 * kDay));
  steps[a].variant =
      static_cast<uint8_t>(rng_.Chance(0.7) ? schema::AgeAssessmentCompleted::Result::MINOR
                                            : schema::AgeAssessmentCompleted::Result::INCONCLUSIVE);
}

// R04: a provisional representative within 24 h, then a guardian, for an unaccompanied child or
// one whose parents have a conflict of interest; R05: a conflicted guardian replaced within
// 5 working days.
void Planner::Representation() {
  if (f_.unaccompanied != Answer::YES && f_.conflict != Answer::YES) return;
  const Dev dp = Choose({Dev::kLate, Dev::kMissing, Dev::kLateRecorded});
  int64_t from = id_;
  if (dp == Dev::kMissing) {
    Missing(Body::PROVISIONAL_REPRESENTATIVE_DESIGNATED, 4);
  } else {
    const int p = Add(Body::PROVISIONAL_REPRESENTATIVE_DESIGNATED,
                      id_ + (dp == Dev::kLate ? In(30 * kHour, 5 * kDay) : In(kHour, 20 * kHour)));
    if (dp == Dev::kLate) Late(p, 4, id_ + 24 * kHour);
    Apply(dp, p, 4);
    from = At(p);
  }
  const Dev dg = Choose({Dev::kMissing, Dev::kLateRecorded});
  if (dg == Dev::kMissing) {
    Missing(Body::GUARDIAN_APPOINTED, 4);
    return;
  }
  guardian_ = Add(Body::GUARDIAN_APPOINTED, Office(from + In(2 * kDay, 8 * kDay), id_ + 13 * kDay));
  Apply(dg, guardian_, 4);
  if (rng_.Chance(0.04)) {
    const int flagged =
        Add(Body::GUARDIAN_CONFLICT_FLAGGED, At(guardian_) + In(20 * kDay, 80 * kDay));
    const int replaced = Add(Body::GUARDIAN_REPLACED, At(flagged) + In(kDay, 4 * kDay));
    steps[replaced].link = flagged;
  }
}

// R13: a reflection period of the national length for a child without lawful stay.
void Planner::Reflection() {
  if (f_.lawful_stay != Answer::NO) return;
  const Dev d = Choose({Dev::kMissing, Dev::kLateRecorded});
  if (d == Dev::kMissing) {
    Missing(Body::REFLECTION_PERIOD_GRANTED, 13);
    return;
  }
  const int64_t start = id_ + In(6 * kHour, 4 * kDay);
  reflection_ = Add(Body::REFLECTION_PERIOD_GRANTED, start);
  Apply(d, reflection_, 13);
  int64_t end;
  switch (plan_.jurisdiction) {
    case Jurisdiction::EE:
      end = start + In(30, 60) * kDay;
      break;
    case Jurisdiction::FI:
      end = AddMonths(start, rng_.Chance(0.5) ? 3 : 6);
      break;
    case Jurisdiction::NO:
      end = AddMonths(start, 6);
      break;
    case Jurisdiction::IS:
      end = AddMonths(start, rng_.Chance(0.5) ? 6 : 9);
      break;
    default:
      end = start + 30 * kDay;
      break;  // DK, LV, LT, SE; LT: the CETS floor
  }
  // One day over the national length: the engine measures the grant in the jurisdiction's
  // local days, where a change to or from summer time inside the period would otherwise leave
  // its last local day an hour short of the minimum (R13's min_span).
  steps[reflection_].param = static_cast<uint16_t>((end - start) / kDay + 1);
  end = start + steps[reflection_].param * kDay;
  if (Is(Jurisdiction::DK) && rng_.Chance(0.3)) {
    extension_ = Add(Body::REFLECTION_PERIOD_EXTENDED, end - In(kDay, 5 * kDay));
    steps[extension_].link = reflection_;
    steps[extension_].param = static_cast<uint16_t>(In(60, 120));  // new total length in days
    end = start + steps[extension_].param * kDay;
  }
  reflection_end_ = Add(Body::REFLECTION_PERIOD_ENDED, end + In(0, 20 * kHour));
  steps[reflection_end_].link = reflection_;
  steps[reflection_end_].variant =
      static_cast<uint8_t>(schema::ReflectionPeriodEnded::EndReason::EXPIRED);
}

// R02: assistance within 24 h (the placement, or crisis support for a child who stays at home);
// R22: crisis support within 7 days, therapy within 30 days when assessed as needed.
void Planner::Assistance() {
  using PT = schema::PlacementType;
  if (f_.placed) {
    const Dev dp = Choose({Dev::kLate, Dev::kLateRecorded});
    const int64_t at =
        id_ + (dp == Dev::kLate ? In(30 * kHour, 5 * kDay) : In(2 * kHour, 20 * kHour));
    const bool emergency = at - id_ < 24 * kHour && rng_.Chance(0.5);
    const int views = AddViews(at, schema::DecisionContext::PLACEMENT, id_ + 5 * kMinute);
    if (emergency) steps[views].flags |= kExempt;
    placement_ = Add(Body::PLACEMENT_STARTED, at);
    Decide(views, placement_);
    const PT type =
        f_.unaccompanied == Answer::YES
            ? (rng_.Chance(0.5) ? PT::UNACCOMPANIED_MINORS_RECEPTION : PT::SPECIALISED_SHELTER)
            : (rng_.Chance(0.5) ? PT::FOSTER_FAMILY : PT::RESIDENTIAL_CHILD_CARE);
    steps[placement_].variant = static_cast<uint8_t>(type);
    if (emergency) steps[placement_].flags |= kEmergency;
    if (dp == Dev::kLate) Late(placement_, 2, id_ + 24 * kHour);
    Apply(dp, placement_, 2);
    if (dp == Dev::kNone) correctable_.push_back(placement_);

    // Any assistance may count for R02: when the placement is late, so is crisis support.
    const Dev dc = Choose({Dev::kLate, Dev::kMissing, Dev::kLateRecorded});
    if (dc == Dev::kMissing) {
      Missing(Body::CRISIS_SUPPORT_PROVIDED, 22);
    } else {
      const int64_t lo = dp == Dev::kLate ? 30 * kHour : 2 * kHour;
      const int c =
          Add(Body::CRISIS_SUPPORT_PROVIDED,
              id_ + (dc == Dev::kLate ? In(9 * kDay, 20 * kDay) : In(lo, 5 * kDay + 12 * kHour)));
      if (dc == Dev::kLate) Late(c, 22, id_ + 7 * kDay);
      Apply(dc, c, 22);
    }
  } else {
    const Dev dc = Choose({Dev::kLate, Dev::kLateRecorded});
    const int c =
        Add(Body::CRISIS_SUPPORT_PROVIDED,
            id_ + (dc == Dev::kLate ? In(30 * kHour, 5 * kDay) : In(2 * kHour, 20 * kHour)));
    if (dc == Dev::kLate) Late(c, 2, id_ + 24 * kHour);
    Apply(dc, c, 2);
  }
}

// R09 individual assessment, R27 first case conference, R20 legal counsel: 7 days each; R07
// information within 24 h and before the first interview.
void Planner::Assessments() {
  const int64_t late_lo = 8 * kDay + 12 * kHour, late_hi = 20 * kDay;
  const int64_t ok_hi = 5 * kDay + 12 * kHour;

  const Dev da = Choose({Dev::kLate, Dev::kLateRecorded});
  ia_ = Add(
      Body::INDIVIDUAL_ASSESSMENT_COMPLETED,
      da == Dev::kLate ? id_ + In(late_lo, late_hi) : Office(id_ + In(kDay, ok_hi), id_ + ok_hi));
  if (da == Dev::kLate) Late(ia_, 9, id_ + 7 * kDay);
  Apply(da, ia_, 9);
  if (da == Dev::kNone) correctable_.push_back(ia_);
  if (f_.psych_need) {
    // Within 30 days of identification whichever of identification or assessment counts.
    therapy_ = Add(Body::THERAPY_STARTED, Office(At(ia_) + In(kDay, 5 * kDay), id_ + 25 * kDay));
    steps[therapy_].link = ia_;
  }

  const Dev dc = Choose({Dev::kLate, Dev::kLateRecorded});
  conference_ = Add(Body::CASE_CONFERENCE_HELD, dc == Dev::kLate
                                                    ? id_ + In(late_lo, late_hi)
                                                    : Office(id_ + In(kDay, ok_hi), id_ + ok_hi));
  steps[conference_].variant = static_cast<uint8_t>(schema::CaseConferenceHeld::Kind::INITIAL);
  if (dc == Dev::kLate) Late(conference_, 27, id_ + 7 * kDay);
  Apply(dc, conference_, 27);
  if (dc == Dev::kNone) correctable_.push_back(conference_);

  const Dev dl = Choose({Dev::kLate, Dev::kMissing, Dev::kLateRecorded});
  if (dl == Dev::kMissing) {
    Missing(Body::LEGAL_COUNSEL_APPOINTED, 20);
  } else {
    counsel_ =
        Add(Body::LEGAL_COUNSEL_APPOINTED,
            id_ + (dl == Dev::kLate ? In(late_lo, late_hi) : In(6 * kHour, 4 * kDay + 12 * kHour)));
    if (dl == Dev::kLate) Late(counsel_, 20, id_ + 7 * kDay);
    Apply(dl, counsel_, 20);
  }

  info_dev_ = f_.crime_reported ? Choose({Dev::kLate, Dev::kOutOfOrder, Dev::kLateRecorded})
                                : Choose({Dev::kLate, Dev::kLateRecorded});
  if (info_dev_ != Dev::kOutOfOrder) {
    info_ = Add(Body::INFORMATION_PROVIDED_TO_CHILD,
                id_ + (info_dev_ == Dev::kLate ? In(30 * kHour, 4 * kDay) : In(kHour, 20 * kHour)));
    if (info_dev_ == Dev::kLate) Late(info_, 7, id_ + 24 * kHour);
    Apply(info_dev_, info_, 7);
  }
}

// R14 first interview (DK 7 days; NO 1 or 2 weeks by the report's facts; else 14 days), R15
// at most the cap of interviews, R16 same interviewer or a reason, R08 interpreter, R21
// medical examination (72 h acute, else 14 days), R26 charge decision (SE 3 months, else 90
// days from reasonable suspicion; FI trial within 30 days of the charge).
}  // namespace caseledger::synthetic::detail
