"""Static reference tables the identity generators draw from.

Country shares, time zones and network operators are rough public facts (AS numbers of
large access and hosting networks); address prefixes are made up per AS, never real
allocations. Every actor, legitimate or not, draws from these same tables, so no identifier
format can tell a campaign account from a customer.
"""

from __future__ import annotations

#: country -> (share of API traffic, UTC offset in hours, residential AS numbers).
#: Offsets ignore daylight saving; several US zones are folded into one per account draw.
COUNTRIES: dict[str, tuple[float, float, tuple[int, ...]]] = {
    "US": (0.300, -6.0, (7922, 20115, 7018, 701, 22773, 209)),
    "IN": (0.080, 5.5, (55836, 24560, 45609, 9829)),
    "GB": (0.060, 0.0, (2856, 5089, 5607, 5378)),
    "DE": (0.055, 1.0, (3320, 3209, 6805, 8881)),
    "FR": (0.045, 1.0, (3215, 12322, 15557, 5410)),
    "BR": (0.040, -3.0, (28573, 26599, 18881, 8167)),
    "JP": (0.035, 9.0, (4713, 2516, 17676, 2527)),
    "CA": (0.035, -5.0, (812, 577, 6327, 5769)),
    "KR": (0.030, 9.0, (4766, 9318, 3786)),
    "SG": (0.020, 8.0, (9506, 4657, 55430)),
    "AU": (0.020, 10.0, (1221, 4804, 7545)),
    "NL": (0.020, 1.0, (1136, 33915, 1103)),
    "ES": (0.018, 1.0, (3352, 12479, 12430)),
    "IT": (0.018, 1.0, (3269, 30722, 1267)),
    "PL": (0.015, 1.0, (5617, 12741, 6830)),
    "SE": (0.012, 1.0, (3301, 1257, 8473)),
    "CH": (0.010, 1.0, (3303, 6730)),
    "IL": (0.012, 2.0, (1680, 8551, 12400)),
    "MX": (0.015, -6.0, (8151, 28548, 13999)),
    "ID": (0.015, 7.0, (7713, 23693, 17451)),
    "VN": (0.012, 7.0, (7552, 45899, 18403)),
    "TR": (0.012, 3.0, (9121, 47331, 34984)),
    "TW": (0.012, 8.0, (3462, 9924, 4780)),
    "HK": (0.012, 8.0, (4760, 9269, 10103)),
    "UA": (0.010, 2.0, (15895, 25229, 3255)),
    "AR": (0.008, -3.0, (7303, 22927, 10318)),
    "ZA": (0.008, 2.0, (37457, 5713, 36994)),
    "NG": (0.008, 1.0, (29465, 37148, 36873)),
    "EG": (0.006, 2.0, (8452, 24835, 36992)),
    "AE": (0.008, 4.0, (5384, 15802)),
    "SA": (0.006, 3.0, (25019, 39891)),
    "PH": (0.008, 8.0, (9299, 132199, 4775)),
    "TH": (0.008, 7.0, (7470, 45758, 23969)),
    "MY": (0.007, 8.0, (4788, 9930)),
    "PK": (0.006, 5.0, (17557, 45595, 9541)),
    "CO": (0.006, -5.0, (3816, 10620, 27831)),
    "CL": (0.005, -4.0, (7418, 22047, 27651)),
    "PT": (0.005, 0.0, (3243, 2860, 12353)),
    "IE": (0.006, 0.0, (5466, 6830, 15502)),
    "FI": (0.005, 2.0, (719, 1759, 16086)),
    "NO": (0.005, 1.0, (2119, 29695, 41164)),
    "DK": (0.004, 1.0, (3292, 9158, 31027)),
    "BE": (0.005, 1.0, (5432, 6848, 12392)),
    "AT": (0.005, 1.0, (8447, 8412, 25255)),
    "CZ": (0.005, 1.0, (5610, 16019, 6830)),
    "RO": (0.005, 2.0, (8708, 9050, 6830)),
    "NZ": (0.004, 12.0, (9500, 4648, 4771)),
    "KZ": (0.003, 5.0, (9198, 21299)),
    "RU": (0.004, 3.0, (12389, 8402, 12714, 31213)),
}

#: Hosting and cloud networks: AS number -> country its addresses geolocate to.
#: Legitimate back ends run here as much as scripted harvesting does.
DATACENTER_ASNS: dict[int, str] = {
    16509: "US",  # Amazon
    14618: "US",  # Amazon
    15169: "US",  # Google
    396982: "US",  # Google Cloud
    8075: "US",  # Microsoft
    14061: "US",  # DigitalOcean
    63949: "US",  # Akamai / Linode
    20473: "US",  # Vultr
    31898: "US",  # Oracle
    13335: "US",  # Cloudflare
    24940: "DE",  # Hetzner
    16276: "FR",  # OVH
    51167: "DE",  # Contabo
    45102: "SG",  # Alibaba
    132203: "SG",  # Tencent
    135377: "HK",  # UCloud
    9009: "GB",  # M247
    60068: "GB",  # Datacamp / CDN77
    212238: "GB",  # Datacamp
    8560: "DE",  # IONOS
    58061: "LV",  # Scalaxy
}

#: Research and education networks (campus NATs). Numbers are illustrative.
EDU_ASNS: dict[int, str] = {
    2152: "US",
    11537: "US",
    786: "GB",
    680: "DE",
    2200: "FR",
    7575: "AU",
    2907: "JP",
    1103: "NL",
}

#: User-agent family -> (share, format with {v}, versions newest last).
#: The same table serves every account: SDKs, HTTP libraries, frameworks and the console.
USER_AGENTS: dict[str, tuple[float, str, tuple[str, ...]]] = {
    "openai-python": (
        0.22,
        "OpenAI/Python {v}",
        ("1.40.8", "1.45.0", "1.51.2", "1.54.4", "1.57.0", "1.58.1", "1.59.7", "1.61.0"),
    ),
    "anthropic-python": (
        0.18,
        "Anthropic/Python {v}",
        ("0.34.2", "0.37.1", "0.39.0", "0.40.0", "0.42.0", "0.45.2", "0.49.0"),
    ),
    "anthropic-typescript": (
        0.10,
        "Anthropic/JS {v}",
        ("0.27.3", "0.30.1", "0.32.1", "0.33.1", "0.36.3", "0.37.0"),
    ),
    "openai-node": (0.08, "OpenAI/JS {v}", ("4.56.0", "4.67.3", "4.73.1", "4.77.0", "4.80.1")),
    "litellm": (0.05, "litellm/{v}", ("1.44.22", "1.52.6", "1.55.3", "1.57.8", "1.59.9")),
    "langchain": (
        0.05,
        "langchain-core/{v} Anthropic/Python 0.40.0",
        ("0.2.38", "0.3.15", "0.3.21", "0.3.29"),
    ),
    "ai-sdk": (0.04, "ai-sdk/anthropic {v}", ("0.0.56", "1.0.2", "1.0.6", "1.1.2")),
    "httpx": (0.06, "python-httpx/{v}", ("0.25.2", "0.26.0", "0.27.0", "0.27.2", "0.28.1")),
    "requests": (0.07, "python-requests/{v}", ("2.28.2", "2.31.0", "2.32.2", "2.32.3")),
    "curl": (0.04, "curl/{v}", ("7.81.0", "7.88.1", "8.1.2", "8.5.0", "8.7.1", "8.11.1")),
    "go": (0.03, "Go-http-client/{v}", ("1.1", "2.0")),
    "axios": (0.03, "axios/{v}", ("1.6.8", "1.7.2", "1.7.7", "1.7.9")),
    "okhttp": (0.02, "okhttp/{v}", ("4.9.3", "4.11.0", "4.12.0")),
    "java-sdk": (0.01, "Java-http-client/{v}", ("17.0.9", "21.0.2")),
    "browser": (
        0.02,
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/{v} Safari/537.36",
        ("128.0.0.0", "130.0.0.0", "131.0.0.0", "132.0.0.0"),
    ),
}

#: Languages the wrappers and response text come in (ISO 639-1).
LANGUAGES: tuple[str, ...] = ("en", "zh", "ru", "es", "ar", "ko", "de", "fr", "ja", "pt")
