// The generator's fixed tables (jurisdictions, nationalities, invented syllables), its
// calendar arithmetic and its ids. Everything here is invented or public reference text; no
// list of real people's names is used anywhere.
#include <capnp/schema.h>

#include <array>
#include <cstdio>

#include "tools/synthetic_internal.h"

namespace caseledger::synthetic::detail {

// ---------------------------------------------------------------------------------------------
// Calendar: Howard Hinnant's days_from_civil / civil_from_days.

int64_t DaysFromCivil(CivilDate date) {
  const int y = date.year - (date.month <= 2 ? 1 : 0);
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned mp = date.month > 2 ? date.month - 3 : date.month + 9;
  const unsigned doy = (153 * mp + 2) / 5 + date.day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

CivilDate CivilFromDays(int64_t days) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const int y = static_cast<int>(static_cast<int64_t>(yoe) + era * 400) + (m <= 2 ? 1 : 0);
  return {y, m, d};
}

namespace {

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

unsigned DaysInMonth(int year, unsigned month) {
  static constexpr std::array<unsigned, 12> kDays = {31, 28, 31, 30, 31, 30,
                                                     31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

}  // namespace

CivilDate DateOf(int64_t seconds) { return CivilFromDays(FloorDiv(seconds, kDay)); }

int Weekday(int64_t seconds) {
  const int64_t days = FloorDiv(seconds, kDay);
  // 1970-01-01 was a Thursday.
  return static_cast<int>(((days % 7) + 11) % 7);
}

int64_t AddMonths(int64_t seconds, int months) {
  const int64_t days = FloorDiv(seconds, kDay);
  const int64_t time_of_day = seconds - days * kDay;
  CivilDate d = CivilFromDays(days);
  const int total = d.year * 12 + static_cast<int>(d.month) - 1 + months;
  d.year = total / 12;
  d.month = static_cast<unsigned>(total % 12) + 1;
  d.day = std::min(d.day, DaysInMonth(d.year, d.month));
  return DaysFromCivil(d) * kDay + time_of_day;
}

int64_t AddWorkingDays(int64_t seconds, int n) {
  while (n > 0) {
    seconds += kDay;
    const int wd = Weekday(seconds);
    if (wd != 0 && wd != 6) --n;
  }
  return seconds;
}

int AgeOn(CivilDate birth, CivilDate on) {
  int age = on.year - birth.year;
  if (on.month < birth.month || (on.month == birth.month && on.day < birth.day)) --age;
  return age;
}

// ---------------------------------------------------------------------------------------------
// Jurisdictions. Offence codes and legal bases are public references, abbreviated.

namespace {

constexpr const char* kDkRegions[] = {"kobenhavn", "aarhus", "odense", "aalborg"};
constexpr const char* kEeRegions[] = {"tallinn", "tartu", "parnu"};
constexpr const char* kFiRegions[] = {"helsinki", "tampere", "turku", "oulu"};
constexpr const char* kLvRegions[] = {"riga", "daugavpils", "liepaja"};
constexpr const char* kLtRegions[] = {"vilnius", "kaunas", "klaipeda"};
constexpr const char* kSeRegions[] = {"stockholm", "goteborg", "malmo", "uppsala"};
constexpr const char* kNoRegions[] = {"oslo", "bergen", "trondheim", "stavanger"};
constexpr const char* kIsRegions[] = {"reykjavik", "akureyri"};

const JurisdictionInfo kJurisdictions[] = {
    {schema::Jurisdiction::DK, "DK", "dk", "da", "DKK", kDkRegions, "DK:Straffeloven 262a",
     "DK:Straffeloven 222", "DK:Straffeloven 276", "Barnets lov § 20", "Udlændingeloven § 33",
     "Rigsadvokatens meddelelse om videoafhøring; 2011/36/EU Art 15(3)"},
    {schema::Jurisdiction::EE, "EE", "ee", "et", "EUR", kEeRegions, "EE:KarS 133", "EE:KarS 145",
     "EE:KarS 199", "Lastekaitseseadus § 27", "CETS 197 Art 13 (prosecutor's cooling-off period)",
     "Kriminaalmenetluse seadustik § 70"},
    {schema::Jurisdiction::FI, "FI", "fi", "fi", "EUR", kFiRegions, "FI:RL 25:3a", "FI:RL 20:7a",
     "FI:RL 28:1", "Lastensuojelulaki § 26", "Ulkomaalaislaki § 52 d", "2011/36/EU Art 15(3)"},
    {schema::Jurisdiction::LV, "LV", "lv", "lv", "EUR", kLvRegions, "LV:KL 154.1", "LV:KL 161",
     "LV:KL 175", "Bērnu tiesību aizsardzības likums", "Law on the Residence of a Victim of THB",
     "Kriminālprocesa likums 146(3)"},
    {schema::Jurisdiction::LT, "LT", "lt", "lt", "EUR", kLtRegions, "LT:BK 147", "LT:BK 153",
     "LT:BK 178", "Vaiko teisių apsaugos pagrindų įstatymas", "CETS 197 Art 13",
     "Baudžiamojo proceso kodeksas 186 str."},
    {schema::Jurisdiction::SE, "SE", "se", "sv", "SEK", kSeRegions, "SE:BrB 4:1a", "SE:BrB 6:4",
     "SE:BrB 8:1", "Socialtjänstlagen 11 kap. 1 §", "Utlänningslagen 5 kap. 15 §",
     "2011/36/EU Art 15(3)"},
    {schema::Jurisdiction::NO, "NO", "no", "nb", "NOK", kNoRegions, "NO:Strl 257", "NO:Strl 299",
     "NO:Strl 321", "Barnevernsloven § 2-2", "Utlendingsforskriften § 8-3",
     "Straffeprosessloven § 239"},
    {schema::Jurisdiction::IS, "IS", "is", "is", "ISK", kIsRegions, "IS:Hgl 227a", "IS:Hgl 202",
     "IS:Hgl 244", "Barnaverndarlög 21. gr.", "Lög um útlendinga 74. gr.",
     "Lög um meðferð sakamála 59. gr."},
};

constexpr schema::Jurisdiction kAll[] = {schema::Jurisdiction::DK, schema::Jurisdiction::EE,
                                         schema::Jurisdiction::FI, schema::Jurisdiction::LV,
                                         schema::Jurisdiction::LT, schema::Jurisdiction::SE,
                                         schema::Jurisdiction::NO, schema::Jurisdiction::IS};

// The nationals of the eight, in kAll order; EU/EEA: lawful stay everywhere.
const Nationality kNationals[] = {{"DK", "da", true}, {"EE", "et", true}, {"FI", "fi", true},
                                  {"LV", "lv", true}, {"LT", "lt", true}, {"SE", "sv", true},
                                  {"NO", "nb", true}, {"IS", "is", true}};

const Nationality kForeign[] = {
    {"RO", "ro", true},  {"BG", "bg", true},  {"PL", "pl", true},  {"UA", "uk", false},
    {"VN", "vi", false}, {"NG", "en", false}, {"AF", "fa", false}, {"SY", "ar", false},
    {"AL", "sq", false}, {"MA", "ar", false}, {"ER", "ti", false}, {"SO", "so", false},
    {"IQ", "ar", false}, {"CN", "zh", false}, {"BY", "ru", false}, {"MD", "ro", false},
};

// Invented syllables: their combinations make names that are plainly made up.
constexpr const char* kSyllables[] = {"zor", "vex", "kel",  "yth", "qua", "bru", "xan", "mor",
                                      "eth", "dra", "fen",  "gri", "hal", "jor", "lun", "nym",
                                      "oph", "pry", "quil", "rys", "syl", "tov", "urb", "wyn",
                                      "zel", "kau", "lu",   "ren", "tiv", "ob"};

}  // namespace

const JurisdictionInfo& InfoFor(schema::Jurisdiction code) {
  for (const auto& j : kJurisdictions) {
    if (j.code == code) return j;
  }
  return kJurisdictions[6];  // unreachable for a validated jurisdiction
}

std::span<const schema::Jurisdiction> AllJurisdictions() { return kAll; }

std::span<const Nationality> ForeignNationalities() { return kForeign; }

uint8_t NationalityIndexOf(schema::Jurisdiction code) {
  for (uint8_t i = 0; i < std::size(kAll); ++i) {
    if (kAll[i] == code) return i;
  }
  return 0;
}

const Nationality& NationalOf(schema::Jurisdiction code) {
  return kNationals[NationalityIndexOf(code)];
}

const Nationality& NationalityAt(uint8_t index) {
  return index < std::size(kNationals) ? kNationals[index]
                                       : kForeign[index - std::size(kNationals)];
}

size_t NationalityCount() { return std::size(kNationals) + std::size(kForeign); }

std::string InventedName(DetailRandom& random, int min_syllables, int max_syllables) {
  const int n = static_cast<int>(random.Between(min_syllables, max_syllables));
  std::string name;
  for (int i = 0; i < n; ++i) name += kSyllables[random.Below(std::size(kSyllables))];
  name[0] = static_cast<char>(name[0] - 'a' + 'A');
  return name;
}

namespace {

using Body = schema::Event::Body;
using schema::AgencyRole;

struct RoleNames {
  AgencyRole role;
  const char* slug;
  const char* actor;
};
constexpr RoleNames kRoleNames[] = {
    {AgencyRole::POLICE, "police", "officer"},
    {AgencyRole::PROSECUTION, "prosecution", "prosecutor"},
    {AgencyRole::COURT, "court", "judge"},
    {AgencyRole::CHILD_PROTECTION, "cp", "caseworker"},
    {AgencyRole::BARNAHUS, "barnahus", "coordinator"},
    {AgencyRole::MIGRATION, "migration", "caseofficer"},
    {AgencyRole::GUARDIANSHIP, "guardianship", "guardianship-officer"},
    {AgencyRole::HEALTH, "health", "clinician"},
    {AgencyRole::NRM_BODY, "nrm", "nrm-officer"},
    {AgencyRole::LEGAL_AID, "legalaid", "legal-aid-officer"},
    {AgencyRole::EDUCATION, "education", "school-officer"},
    {AgencyRole::BORDER_GUARD, "borderguard", "borderguard"},
    {AgencyRole::PLACEMENT, "placement", "carer"},
    {AgencyRole::COMPENSATION_AUTHORITY, "compensation", "claims-officer"},
};

const RoleNames& NamesOf(AgencyRole role) {
  for (const auto& n : kRoleNames) {
    if (n.role == role) return n;
  }
  return kRoleNames[0];  // unreachable: the generator uses only the roles above
}

// Where an event type's legal basis comes from.
enum class BasisSource : uint8_t { kText, kChildProtection, kReflection, kInterview };
struct Basis {
  EventType type;
  BasisSource source;
  const char* text;
};
constexpr const char kRepresentation[] = "2011/36/EU Art 14(2), 16(3); CETS 197 Art 10(4)";
constexpr const char kAssessment[] = "2012/29/EU Art 22; 2011/36/EU Art 14(1)";
constexpr const char kSupport[] = "Barnahus Quality Standard 8; 2011/36/EU Art 14(1)";
constexpr const char kCompensation[] = "2011/36/EU Art 17";
constexpr const char kResidence[] = "2004/81/EC; CETS 197 Art 14";
constexpr const char kReturn[] = "CETS 197 Art 16(7); 2011/36/EU Art 16(2)";
constexpr const char kNonPunishment[] = "2011/36/EU Art 8; CETS 197 Art 26";
constexpr const char kProceedings[] = "Lanzarote Convention Art 30; 2011/36/EU Art 9";
constexpr const char kReferral[] = "2011/36/EU Art 11(4) as amended by 2024/1712/EU";
constexpr const char kAge[] = "CETS 197 Art 10(3); 2011/36/EU Art 13(2)";
constexpr const char kClosure[] = "2011/36/EU Art 14(1), 16(2)";
constexpr Basis kBases[] = {
    {Body::TRAFFICKING_INDICATORS_OBSERVED, BasisSource::kText, "2011/36/EU Art 11(4)"},
    {Body::PRESUMED_VICTIM_IDENTIFIED, BasisSource::kText,
     "2011/36/EU Art 11(2); CETS 197 Art 10(2)"},
    {Body::FORMAL_VICTIM_STATUS_DECIDED, BasisSource::kText,
     "CETS 197 Art 10; 2011/36/EU Art 11(4)"},
    {Body::REFERRED_TO_NRM, BasisSource::kText, kReferral},
    {Body::REFERRAL_ACCEPTED, BasisSource::kText, kReferral},
    {Body::CHILD_PROTECTION_REPORT_RECEIVED, BasisSource::kChildProtection, nullptr},
    {Body::CP_ASSESSMENT_DECIDED, BasisSource::kChildProtection, nullptr},
    {Body::CP_INVESTIGATION_COMPLETED, BasisSource::kChildProtection, nullptr},
    {Body::PLACEMENT_STARTED, BasisSource::kChildProtection, nullptr},
    {Body::PLACEMENT_CHANGED, BasisSource::kChildProtection, nullptr},
    {Body::PLACEMENT_ENDED, BasisSource::kChildProtection, nullptr},
    {Body::AGE_DISPUTED, BasisSource::kText, kAge},
    {Body::AGE_PRESUMPTION_APPLIED, BasisSource::kText, kAge},
    {Body::AGE_ASSESSMENT_COMPLETED, BasisSource::kText, kAge},
    {Body::PROVISIONAL_REPRESENTATIVE_DESIGNATED, BasisSource::kText, kRepresentation},
    {Body::GUARDIAN_APPOINTED, BasisSource::kText, kRepresentation},
    {Body::GUARDIAN_CONFLICT_FLAGGED, BasisSource::kText, kRepresentation},
    {Body::GUARDIAN_REPLACED, BasisSource::kText, kRepresentation},
    {Body::REFLECTION_PERIOD_GRANTED, BasisSource::kReflection, nullptr},
    {Body::REFLECTION_PERIOD_EXTENDED, BasisSource::kReflection, nullptr},
    {Body::REFLECTION_PERIOD_ENDED, BasisSource::kReflection, nullptr},
    {Body::INDIVIDUAL_ASSESSMENT_COMPLETED, BasisSource::kText, kAssessment},
    {Body::RISK_ASSESSMENT_UPDATED, BasisSource::kText, kAssessment},
    {Body::BEST_INTERESTS_DETERMINATION_COMPLETED, BasisSource::kText,
     "UNCRC Art 3; CRC General Comment 14"},
    {Body::CASE_CONFERENCE_HELD, BasisSource::kText, "Barnahus Quality Standards 2, 5"},
    {Body::MEDICAL_EXAMINATION_PERFORMED, BasisSource::kText,
     "2012/29/EU Art 20(d); Barnahus Quality Standard 7"},
    {Body::CRISIS_SUPPORT_PROVIDED, BasisSource::kText, kSupport},
    {Body::THERAPY_STARTED, BasisSource::kText, kSupport},
    {Body::THERAPY_ENDED, BasisSource::kText, kSupport},
    {Body::SCHOOL_ENROLLED, BasisSource::kText, "2011/36/EU Art 14(1)"},
    {Body::EDUCATION_ARRANGEMENT_PROVIDED, BasisSource::kText, "2011/36/EU Art 14(1)"},
    {Body::INFORMATION_PROVIDED_TO_CHILD, BasisSource::kText,
     "2012/29/EU Art 4; 2011/36/EU Art 11(5)"},
    {Body::INTERPRETER_ASSIGNED, BasisSource::kText, "2012/29/EU Art 7"},
    {Body::CHILD_VIEWS_HEARD, BasisSource::kText, "UNCRC Art 12; 2011/36/EU Art 14(1)"},
    {Body::FORENSIC_INTERVIEW_SCHEDULED, BasisSource::kInterview, nullptr},
    {Body::FORENSIC_INTERVIEW_CONDUCTED, BasisSource::kInterview, nullptr},
    {Body::LEGAL_COUNSEL_APPOINTED, BasisSource::kText, "2011/36/EU Art 15(2); CETS 197 Art 15"},
    {Body::CHILD_SUSPECTED_OF_OFFENCE, BasisSource::kText, kNonPunishment},
    {Body::NON_PUNISHMENT_ASSESSED, BasisSource::kText, kNonPunishment},
    {Body::COMPENSATION_CLAIM_FILED, BasisSource::kText, kCompensation},
    {Body::COMPENSATION_AWARDED, BasisSource::kText, kCompensation},
    {Body::COMPENSATION_PAID, BasisSource::kText, kCompensation},
    {Body::RESIDENCE_PERMIT_APPLIED, BasisSource::kText, kResidence},
    {Body::RESIDENCE_PERMIT_GRANTED, BasisSource::kText, kResidence},
    {Body::RESIDENCE_PERMIT_REFUSED, BasisSource::kText, kResidence},
    {Body::TRANSNATIONAL_REFERRAL_SENT, BasisSource::kText, kReturn},
    {Body::RETURN_RISK_ASSESSMENT_COMPLETED, BasisSource::kText, kReturn},
    {Body::RETURN_DECIDED, BasisSource::kText, kReturn},
    {Body::RETURN_EXECUTED, BasisSource::kText, kReturn},
    {Body::CHILD_MISSING_REPORTED, BasisSource::kText, "2011/36/EU Art 16(1)"},
    {Body::CHILD_LOCATED, BasisSource::kText, "2011/36/EU Art 16(1)"},
    {Body::DURABLE_SOLUTION_DETERMINED, BasisSource::kText, kClosure},
    {Body::CASE_CLOSED, BasisSource::kText, kClosure},
};

}  // namespace

const char* RoleSlug(AgencyRole role) { return NamesOf(role).slug; }

const char* ActorPrefix(AgencyRole role) { return NamesOf(role).actor; }

schema::DataClass DataClassOf(EventType type) {
  switch (type) {
    case Body::MEDICAL_EXAMINATION_PERFORMED:
    case Body::CRISIS_SUPPORT_PROVIDED:
    case Body::THERAPY_STARTED:
    case Body::THERAPY_ENDED:
      return schema::DataClass::HEALTH;
    case Body::CRIME_REPORTED:
    case Body::INVESTIGATION_OPENED:
    case Body::CHARGES_FILED:
    case Body::TRIAL_STARTED:
    case Body::VERDICT_DELIVERED:
    case Body::PROCEEDINGS_DISCONTINUED:
    case Body::FORENSIC_INTERVIEW_SCHEDULED:
    case Body::FORENSIC_INTERVIEW_CONDUCTED:
    case Body::CHILD_SUSPECTED_OF_OFFENCE:
    case Body::NON_PUNISHMENT_ASSESSED:
      return schema::DataClass::CRIMINAL;
    default:
      return schema::DataClass::ORDINARY;
  }
}

const char* LegalBasis(EventType type, const JurisdictionInfo& j) {
  for (const auto& b : kBases) {
    if (b.type != type) continue;
    switch (b.source) {
      case BasisSource::kChildProtection:
        return j.child_protection_basis;
      case BasisSource::kReflection:
        return j.reflection_basis;
      case BasisSource::kInterview:
        return j.interview_basis;
      case BasisSource::kText:
        return b.text;
    }
  }
  return kProceedings;
}

std::string_view EventTypeName(EventType type) {
  // Read from the schema once: the union member names are the catalogue's names.
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> names;
    for (auto field : capnp::Schema::from<schema::Event::Body>().getUnionFields()) {
      const size_t d = field.getProto().getDiscriminantValue();
      if (names.size() <= d) names.resize(d + 1);
      names[d] = field.getProto().getName().cStr();
    }
    return names;
  }();
  const size_t i = static_cast<size_t>(type);
  return i < kNames.size() ? std::string_view(kNames[i]) : std::string_view("unknown");
}

// ---------------------------------------------------------------------------------------------
// Ids.

std::string CaseIdOf(const CasePlan& plan) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%s-%04u-%06u", InfoFor(plan.jurisdiction).iso, plan.year,
                plan.number);
  return buf;
}

std::string ChildIdOf(const Child& child) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "child-%012llx",
                static_cast<unsigned long long>(child.key & 0xffffffffffffull));
  return buf;
}

std::string EventIdOf(const CasePlan& plan, size_t index) {
  // 128 bits from the case's key (drawn from the run's mt19937_64) and the stream index.
  SplitMix64 words(Mix64(plan.key ^ (0xa0761d6478bd642full * (index + 1))));
  std::string id(16, '\0');
  for (int half = 0; half < 2; ++half) {
    const uint64_t w = words();
    for (int i = 0; i < 8; ++i) id[half * 8 + i] = static_cast<char>((w >> (8 * i)) & 0xff);
  }
  return id;
}

}  // namespace caseledger::synthetic::detail
