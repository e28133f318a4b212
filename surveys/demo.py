"""The demo organization: Coastal Health, 65 units on 4 levels, three waves."""

from __future__ import annotations

DEMO_PASSWORD = "continuum-demo"  # noqa: S105 - printed by `make demo`, demo data only

ROOT = ("CH", "Coastal Health")

DIVISIONS = {
    "ACUTE": ("Acute Care", 0.35),
    "MHSU": ("Mental Health and Substance Use", 0.45),
    "COMM": ("Community and Primary Care", 0.05),
    "SUPPORT": ("Clinical Support Services", -0.25),
}

PROGRAMS = {
    "ACUTE": [
        ("ED", "Emergency Department", 0.35),
        ("ICU", "Critical Care", 0.2),
        ("MED", "Medicine", 0.0),
    ],
    "MHSU": [
        ("INPT", "Inpatient Psychiatry", 0.3),
        ("CMH", "Community Mental Health", 0.0),
        ("SUB", "Substance Use Services", 0.25),
    ],
    "COMM": [
        ("HOME", "Home Health", 0.1),
        ("PC", "Primary Care Clinics", -0.1),
        ("PH", "Public Health", 0.0),
    ],
    "SUPPORT": [
        ("PORT", "Portering and Transport", 0.1),
        ("LAB", "Laboratory", -0.2),
        ("EVS", "Environmental Services", 0.0),
    ],
}

TEAMS = [("T1", "Day team"), ("T2", "Night team"), ("T3", "Weekend team"), ("T4", "Float pool")]

# Named demo accounts (all with DEMO_PASSWORD); every other unit gets leader.<code>.
NAMED_LEADERS = {"alice": "ACUTE", "bob": "MHSU", "carol": "ACUTE-ED", "dan": "ACUTE-ED-T2"}
SMALL_TEAM = NAMED_LEADERS["dan"]

WAVES = [
    ("2025-autumn", "Autumn 2025 wellbeing check", "released", 0.0),
    ("2026-spring", "Spring 2026 wellbeing check", "released", -0.08),
    ("2026-autumn", "Autumn 2026 wellbeing check", "open", -0.12),
]
