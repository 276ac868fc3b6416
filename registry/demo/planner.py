"""Plans the demo dataset: plain values decided by a seed, before anything is written."""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from registry.demo.data import (
    COOP_NAMES,
    COOPERATIVES,
    CROPS,
    DEPARTMENT_CODE,
    EMAIL_DOMAIN,
    ENTERPRISES,
    ETHNIC_FEMALE,
    ETHNIC_MALE,
    ETHNIC_SURNAMES,
    FEMALE_MIDDLE,
    GROUPS,
    HIGHLANDS,
    KINH_FEMALE,
    KINH_MALE,
    KINH_SURNAMES,
    LAST_DATE,
    MALE_MIDDLE,
    MOBILE_PREFIXES,
    PLEI,
    RATING_YEARS,
    RATINGS,
    STREETS,
    UNIONS,
    VILLAGES,
)


@dataclass
class OrgPlan:
    """One organization to create: its form values, ratings by year and member households."""

    values: dict
    ratings: dict[int, str] = field(default_factory=dict)
    households: list[dict] = field(default_factory=list)
    login: str | None = None  # the e-mail's local part, for organizations that get a user


def demo_plan(seed: int, unit_names: dict[str, str]) -> list[OrgPlan]:
    """The whole dataset as plain values, decided by ``seed`` alone (no database writes).

    ``unit_names`` maps the province's commune codes to their full names (Xã …, Phường …).
    """
    return DemoPlanner(seed, unit_names).plan()


class DemoPlanner:
    """Invents the demo organizations and households from one random generator."""

    def __init__(self, seed: int, unit_names: dict[str, str]):
        self.rng = random.Random(seed)
        self.unit_names = unit_names

    def plan(self) -> list[OrgPlan]:
        """Every organization of the dataset, the department first."""
        return [
            self.department(),
            *self.cooperatives(),
            *self.groups(),
            *self.unions(),
            *self.enterprises(),
        ]

    def place(self, commune: str) -> str:
        """A commune's name without its "Xã"/"Phường" prefix."""
        return self.unit_names[commune].split(" ", 1)[1]

    def department(self) -> OrgPlan:
        """The provincial agriculture department (Sở NN&MT), which keeps the registry."""
        values = self.org_values(
            "agency",
            "Sở Nông nghiệp và Môi trường tỉnh Gia Lai",
            DEPARTMENT_CODE,
            "21583",
            short_name="Sở NN&MT Gia Lai",
            address="Phường Quy Nhơn, tỉnh Gia Lai",
            established_on=date(2025, 3, 1),
        )
        return OrgPlan(values, login="so.nnmt")

    def cooperatives(self) -> list[OrgPlan]:
        """Thirty cooperatives (HTX); three are suspended or dissolved."""
        troubled = self.rng.sample(range(len(COOPERATIVES)), 3)
        with_login = {
            next(i for i, (_c, k) in enumerate(COOPERATIVES) if k == crop and i not in troubled)
            for crop in ("coffee", "pepper", "durian", "rice", "vegetables")
        }
        plans = []
        for index, (commune, crop) in enumerate(COOPERATIVES):
            name = self.rng.choice(COOP_NAMES).format(
                crop=CROPS[crop].label, place=self.place(commune)
            )
            status = "active"
            if index in troubled:
                status = "dissolved" if index == troubled[0] else "suspended"
            code = self.tax_code("41" if commune < HIGHLANDS else "59")
            plan = self.coop_plan("cooperative", name, code, commune, crop, status)
            plan.login = f"htx{index + 1:02d}" if index in with_login else None
            plans.append(plan)
        return plans

    def groups(self) -> list[OrgPlan]:
        """Cooperative groups (tổ hợp tác), registered with their commune."""
        plans = []
        for index, (commune, crop) in enumerate(GROUPS, start=1):
            name = f"Tổ hợp tác {CROPS[crop].label} {self.place(commune)}"
            code = f"THT-{commune}-{index:02d}"
            plan = self.coop_plan("cooperative_group", name, code, commune, crop, "active", (4, 10))
            plan.values["phone"] = self.mobile()  # a group has its leader's phone, not an office
            plan.login = f"tht{index:02d}" if index == 1 else None
            plans.append(plan)
        return plans

    def unions(self) -> list[OrgPlan]:
        """Cooperative unions (liên hiệp HTX); their members are cooperatives, not households."""
        plans = []
        for index, (commune, crop) in enumerate(UNIONS, start=1):
            name = f"Liên hiệp HTX {CROPS[crop].label} {self.place(commune)}"
            values = self.org_values(
                "cooperative_union",
                name,
                self.tax_code("59"),
                commune,
                main_products=CROPS[crop].products,
                member_count=self.rng.randint(4, 8),
                established_on=date(self.rng.randint(2016, 2021), 6, 1),
            )
            plan = OrgPlan(values, ratings=self.ratings("active"))
            plan.login = f"lhhtx{index:02d}" if index == 1 else None
            plans.append(plan)
        return plans

    def enterprises(self) -> list[OrgPlan]:
        """Enterprises that buy from cooperatives: exporters, processors, a supermarket chain."""
        plans = []
        for index, (name, short, commune, products, prefix) in enumerate(ENTERPRISES, start=1):
            values = self.org_values(
                "enterprise",
                name,
                self.tax_code(prefix),
                commune,
                short_name=short,
                main_products=products,
                address=f"{self.rng.randint(12, 480)} {self.rng.choice(STREETS)}",
                email=f"info.dn{index:02d}@{EMAIL_DOMAIN}",
                gln=self.gln() if index % 3 == 1 else None,
            )
            plans.append(OrgPlan(values, login=f"dn{index:02d}"))
        return plans

    def coop_plan(self, kind, name, code, commune, crop, status, size=(8, 20)) -> OrgPlan:
        """A cooperative or group with its ratings and member households."""
        rng = self.rng
        established = date(rng.randint(2008, 2022), rng.randint(1, 12), rng.randint(1, 28))
        since = date(2025, rng.randint(1, 10), rng.randint(1, 28)) if status != "active" else None
        joining = (max(established, date(2015, 1, 1)), since or date(2025, 6, 30))
        dissolved_on = since if status == "dissolved" else None
        households = [
            self.household(commune, crop, joining, dissolved_on) for _ in range(rng.randint(*size))
        ]
        values = self.org_values(
            kind,
            name,
            code,
            commune,
            main_products=CROPS[crop].products,
            established_on=established,
            status=status,
            status_since=since,
            member_count=sum(1 for h in households if not h["left_on"]),
        )
        return OrgPlan(values, self.ratings(status), households)

    def org_values(self, kind, name, code, commune, **extra) -> dict:
        """Form values of an organization (OrganizationInputSchema's fields)."""
        area_code = "0256" if commune < HIGHLANDS else "0269"
        values = {
            "kind": kind,
            "name": name,
            "registration_code": code,
            "tax_code": code if code[:1].isdigit() else None,
            "admin_unit": commune,
            "sector": "agricultural",
            "status": "active",
            "representative": self.person(commune),
            "phone": f"{area_code}{self.rng.randrange(3_000_000, 4_000_000)}",
            "address": self.village(commune),
        }
        values.update(extra)
        return values

    def household(self, commune, crop, joining, dissolved_on) -> dict:
        """A member household (hộ thành viên); a few have left, and all of a dissolved one's."""
        rng = self.rng
        neighbours = [c for c, k in COOPERATIVES if k == crop]
        home = commune if rng.random() < 0.85 else rng.choice(neighbours)
        first, last = joining
        joined = first + timedelta(days=rng.randint(0, max(0, (last - first).days - 60)))
        left = dissolved_on
        if left is None and rng.random() < 0.06:
            left = joined + timedelta(days=rng.randint(30, (LAST_DATE - joined).days))
        low, high = CROPS[crop].area
        return {
            "head_name": self.person(home),
            "admin_unit": home,
            "village": self.village(home),
            "phone": self.mobile() if rng.random() < 0.9 else None,
            "planted_area_ha": round(rng.uniform(low, high), 2),
            "member_type": "official" if rng.random() < 0.85 else "associate",
            "joined_on": joined,
            "left_on": left,
        }

    def ratings(self, status: str) -> dict[int, str]:
        """Yearly ratings (xếp loại) for 2024 and 2025."""
        names, weights = zip(*RATINGS, strict=True)
        ratings = {year: self.rng.choices(names, weights)[0] for year in RATING_YEARS}
        if status == "suspended":
            ratings[2025] = "weak"
        if status == "dissolved":
            ratings = {2024: "weak"}
        return ratings

    def person(self, commune: str) -> str:
        """A Vietnamese full name; in the highlands, often a Jrai or Bahnar one."""
        rng = self.rng
        female = rng.random() < 0.4
        if commune >= HIGHLANDS and rng.random() < 0.35:
            given = rng.choice(ETHNIC_FEMALE if female else ETHNIC_MALE)
            return f"{rng.choice(ETHNIC_SURNAMES)} {given}"
        middle = rng.choice(FEMALE_MIDDLE if female else MALE_MIDDLE)
        given = rng.choice(KINH_FEMALE if female else KINH_MALE)
        return f"{rng.choice(KINH_SURNAMES)} {middle} {given}"

    def village(self, commune: str) -> str:
        """A village (thôn, làng) or, in a ward, a residential group (tổ dân phố)."""
        if self.unit_names.get(commune, "").startswith("Phường"):
            return f"Tổ dân phố {self.rng.randint(1, 12)}"
        if commune >= HIGHLANDS and self.rng.random() < 0.3:
            return self.rng.choice(PLEI)
        return self.rng.choice(VILLAGES)

    def mobile(self) -> str:
        """A ten-digit mobile number."""
        return f"{self.rng.choice(MOBILE_PREFIXES)}{self.rng.randrange(10**7):07d}"

    def tax_code(self, prefix: str) -> str:
        """A ten-digit tax code (mã số thuế) under the province's prefix (59 or 41)."""
        return f"{prefix}0{self.rng.randrange(10**7):07d}"

    def gln(self) -> str:
        """A GLN under GS1 Vietnam's prefix 893, with its check digit."""
        body = f"893{self.rng.randrange(10**9):09d}"
        total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
        return body + str((10 - total % 10) % 10)
