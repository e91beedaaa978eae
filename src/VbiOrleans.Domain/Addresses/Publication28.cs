namespace VbiOrleans.Domain.Addresses;

/// <summary>
/// The tables of USPS Publication 28, Postal Addressing Standards, that standardization uses: street suffixes
/// (Appendix C1), secondary unit designators (Appendix C2), directionals (section 233) and the two-letter state and
/// territory abbreviations (Appendix B). Every key is upper case without punctuation.
/// </summary>
public static class Publication28
{
    // Appendix C1, one line per primary street suffix name: the name, the Postal Service standard abbreviation, then
    // the commonly used suffixes or abbreviations the table lists for it. Where the publication lists a spelling under
    // two names (MDW under MEADOWS, though it is MEADOW's standard; PKWY under PARKWAYS) a standard abbreviation maps
    // to itself first.
    private const string SuffixTable = """
        ALLEY ALY ALLEE ALLY
        ANEX ANX ANNEX ANNX
        ARCADE ARC
        AVENUE AVE AV AVEN AVENU AVN AVNUE
        BAYOU BYU BAYOO
        BEACH BCH
        BEND BND
        BLUFF BLF BLUF
        BLUFFS BLFS
        BOTTOM BTM BOT BOTTM
        BOULEVARD BLVD BOUL BOULV
        BRANCH BR BRNCH
        BRIDGE BRG BRDGE
        BROOK BRK
        BROOKS BRKS
        BURG BG
        BURGS BGS
        BYPASS BYP BYPA BYPAS BYPS
        CAMP CP CMP
        CANYON CYN CANYN CNYN
        CAPE CPE
        CAUSEWAY CSWY CAUSWA
        CENTER CTR CEN CENT CENTR CENTRE CNTER CNTR
        CENTERS CTRS
        CIRCLE CIR CIRC CIRCL CRCL CRCLE
        CIRCLES CIRS
        CLIFF CLF
        CLIFFS CLFS
        CLUB CLB
        COMMON CMN
        COMMONS CMNS
        CORNER COR
        CORNERS CORS
        COURSE CRSE
        COURT CT
        COURTS CTS
        COVE CV
        COVES CVS
        CREEK CRK
        CRESCENT CRES CRSENT CRSNT
        CREST CRST
        CROSSING XING CRSSNG
        CROSSROAD XRD
        CROSSROADS XRDS
        CURVE CURV
        DALE DL
        DAM DM
        DIVIDE DV DIV DVD
        DRIVE DR DRIV DRV
        DRIVES DRS
        ESTATE EST
        ESTATES ESTS
        EXPRESSWAY EXPY EXP EXPR EXPRESS EXPW
        EXTENSION EXT EXTN EXTNSN
        EXTENSIONS EXTS
        FALL FALL
        FALLS FLS
        FERRY FRY FRRY
        FIELD FLD
        FIELDS FLDS
        FLAT FLT
        FLATS FLTS
        FORD FRD
        FORDS FRDS
        FOREST FRST FORESTS
        FORGE FRG FORG
        FORGES FRGS
        FORK FRK
        FORKS FRKS
        FORT FT FRT
        FREEWAY FWY FREEWY FRWAY FRWY
        GARDEN GDN GARDN GRDEN GRDN
        GARDENS GDNS GRDNS
        GATEWAY GTWY GATEWY GATWAY GTWAY
        GLEN GLN
        GLENS GLNS
        GREEN GRN
        GREENS GRNS
        GROVE GRV GROV
        GROVES GRVS
        HARBOR HBR HARB HARBR HRBOR
        HARBORS HBRS
        HAVEN HVN
        HEIGHTS HTS HT
        HIGHWAY HWY HIGHWY HIWAY HIWY HWAY
        HILL HL
        HILLS HLS
        HOLLOW HOLW HLLW HOLLOWS HOLWS
        INLET INLT
        ISLAND IS ISLND
        ISLANDS ISS ISLNDS
        ISLE ISLE ISLES
        JUNCTION JCT JCTION JCTN JUNCTN JUNCTON
        JUNCTIONS JCTS JCTNS
        KEY KY
        KEYS KYS
        KNOLL KNL KNOL
        KNOLLS KNLS
        LAKE LK
        LAKES LKS
        LAND LAND
        LANDING LNDG LNDNG
        LANE LN
        LIGHT LGT
        LIGHTS LGTS
        LOAF LF
        LOCK LCK
        LOCKS LCKS
        LODGE LDG LDGE LODG
        LOOP LOOP LOOPS
        MALL MALL
        MANOR MNR
        MANORS MNRS
        MEADOW MDW
        MEADOWS MDWS MEDOWS
        MEWS MEWS
        MILL ML
        MILLS MLS
        MISSION MSN MISSN MSSN
        MOTORWAY MTWY
        MOUNT MT MNT
        MOUNTAIN MTN MNTAIN MNTN MOUNTIN MTIN
        MOUNTAINS MTNS MNTNS
        NECK NCK
        ORCHARD ORCH ORCHRD
        OVAL OVAL OVL
        OVERPASS OPAS
        PARK PARK PRK PARKS
        PARKWAY PKWY PARKWY PKWAY PKY PARKWAYS PKWYS
        PASS PASS
        PASSAGE PSGE
        PATH PATH PATHS
        PIKE PIKE PIKES
        PINE PNE
        PINES PNES
        PLACE PL
        PLAIN PLN
        PLAINS PLNS
        PLAZA PLZ PLZA
        POINT PT
        POINTS PTS
        PORT PRT
        PORTS PRTS
        PRAIRIE PR PRR
        RADIAL RADL RAD RADIEL
        RAMP RAMP
        RANCH RNCH RANCHES RNCHS
        RAPID RPD
        RAPIDS RPDS
        REST RST
        RIDGE RDG RDGE
        RIDGES RDGS
        RIVER RIV RVR RIVR
        ROAD RD
        ROADS RDS
        ROUTE RTE
        ROW ROW
        RUE RUE
        RUN RUN
        SHOAL SHL
        SHOALS SHLS
        SHORE SHR SHOAR
        SHORES SHRS SHOARS
        SKYWAY SKWY
        SPRING SPG SPNG SPRNG
        SPRINGS SPGS SPNGS SPRNGS
        SPUR SPUR SPURS
        SQUARE SQ SQR SQRE SQU
        SQUARES SQS SQRS
        STATION STA STATN STN
        STRAVENUE STRA STRAV STRAVEN STRAVN STRVN STRVNUE
        STREAM STRM STREME
        STREET ST STRT STR
        STREETS STS
        SUMMIT SMT SUMIT SUMITT
        TERRACE TER TERR
        THROUGHWAY TRWY
        TRACE TRCE TRACES
        TRACK TRAK TRACKS TRK TRKS
        TRAFFICWAY TRFY
        TRAIL TRL TRAILS TRLS
        TRAILER TRLR TRLRS
        TUNNEL TUNL TUNEL TUNLS TUNNELS TUNNL
        TURNPIKE TPKE TRNPK TURNPK
        UNDERPASS UPAS
        UNION UN
        UNIONS UNS
        VALLEY VLY VALLY VLLY
        VALLEYS VLYS
        VIADUCT VIA VDCT VIADCT
        VIEW VW
        VIEWS VWS
        VILLAGE VLG VILL VILLAG VILLG VILLIAGE
        VILLAGES VLGS
        VILLE VL
        VISTA VIS VIST VST VSTA
        WALK WALK WALKS
        WALL WALL
        WAY WAY WY
        WAYS WAYS
        WELL WL
        WELLS WLS
        """;

    // Appendix C2: designator, abbreviation, and whether a range (a number or letter) must follow it.
    private const string UnitTable = """
        APARTMENT APT range
        BASEMENT BSMT none
        BUILDING BLDG range
        DEPARTMENT DEPT range
        FLOOR FL range
        FRONT FRNT none
        HANGAR HNGR range
        KEY KEY range
        LOBBY LBBY none
        LOT LOT range
        LOWER LOWR none
        OFFICE OFC none
        PENTHOUSE PH none
        PIER PIER range
        REAR REAR none
        ROOM RM range
        SIDE SIDE none
        SLIP SLIP range
        SPACE SPC range
        STOP STOP range
        SUITE STE range
        TRAILER TRLR range
        UNIT UNIT range
        UPPER UPPR none
        """;

    private const string StateTable = """
        AL ALABAMA
        AK ALASKA
        AS AMERICAN SAMOA
        AZ ARIZONA
        AR ARKANSAS
        CA CALIFORNIA
        CO COLORADO
        CT CONNECTICUT
        DE DELAWARE
        DC DISTRICT OF COLUMBIA
        FM FEDERATED STATES OF MICRONESIA
        FL FLORIDA
        GA GEORGIA
        GU GUAM
        HI HAWAII
        ID IDAHO
        IL ILLINOIS
        IN INDIANA
        IA IOWA
        KS KANSAS
        KY KENTUCKY
        LA LOUISIANA
        ME MAINE
        MH MARSHALL ISLANDS
        MD MARYLAND
        MA MASSACHUSETTS
        MI MICHIGAN
        MN MINNESOTA
        MS MISSISSIPPI
        MO MISSOURI
        MT MONTANA
        NE NEBRASKA
        NV NEVADA
        NH NEW HAMPSHIRE
        NJ NEW JERSEY
        NM NEW MEXICO
        NY NEW YORK
        NC NORTH CAROLINA
        ND NORTH DAKOTA
        MP NORTHERN MARIANA ISLANDS
        OH OHIO
        OK OKLAHOMA
        OR OREGON
        PW PALAU
        PA PENNSYLVANIA
        PR PUERTO RICO
        RI RHODE ISLAND
        SC SOUTH CAROLINA
        SD SOUTH DAKOTA
        TN TENNESSEE
        TX TEXAS
        UT UTAH
        VT VERMONT
        VI VIRGIN ISLANDS
        VA VIRGINIA
        WA WASHINGTON
        WV WEST VIRGINIA
        WI WISCONSIN
        WY WYOMING
        AA ARMED FORCES AMERICAS
        AE ARMED FORCES EUROPE
        AP ARMED FORCES PACIFIC
        """;

    /// <summary>Every spelling in Appendix C1 (names, common forms, standard abbreviations) to its standard abbreviation.</summary>
    public static IReadOnlyDictionary<string, string> Suffixes { get; } = BuildSuffixes();

    /// <summary>The primary street suffix names of Appendix C1, in the publication's order, with their standard abbreviation.</summary>
    public static IReadOnlyList<(string Name, string Abbreviation)> SuffixNames { get; } =
        [.. Lines(SuffixTable).Select(words => (words[0], words[1]))];

    /// <summary>Appendix C2: every designator and abbreviation to its abbreviation, and whether a range follows it.</summary>
    public static IReadOnlyDictionary<string, (string Abbreviation, bool RequiresRange)> UnitDesignators { get; } = BuildUnits();

    /// <summary>Directionals (section 233): the words and their one- or two-letter abbreviations.</summary>
    public static IReadOnlyDictionary<string, string> Directionals { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["NORTH"] = "N", ["SOUTH"] = "S", ["EAST"] = "E", ["WEST"] = "W",
        ["NORTHEAST"] = "NE", ["NORTHWEST"] = "NW", ["SOUTHEAST"] = "SE", ["SOUTHWEST"] = "SW",
        ["N"] = "N", ["S"] = "S", ["E"] = "E", ["W"] = "W", ["NE"] = "NE", ["NW"] = "NW", ["SE"] = "SE", ["SW"] = "SW",
    };

    /// <summary>The two-letter abbreviations of states, territories, freely associated states and armed forces, with their names.</summary>
    public static IReadOnlyDictionary<string, string> States { get; } =
        Lines(StateTable).ToDictionary(w => w[0], w => string.Join(' ', w.Skip(1)), StringComparer.Ordinal);

    /// <summary>State names to their abbreviation ("NEW YORK" to NY).</summary>
    public static IReadOnlyDictionary<string, string> StateNames { get; } =
        States.ToDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);

    /// <summary>The longest state name in words, which bounds how far back a one-line parse looks for one.</summary>
    public static int LongestStateNameWords { get; } = StateNames.Keys.Max(n => n.Count(c => c == ' ') + 1);

    private static Dictionary<string, string> BuildSuffixes()
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        var lines = Lines(SuffixTable);
        foreach (var words in lines) map[words[1]] = words[1];
        foreach (var words in lines)
        {
            foreach (var word in words) map.TryAdd(word, words[1]);
        }
        return map;
    }

    private static Dictionary<string, (string, bool)> BuildUnits()
    {
        var map = new Dictionary<string, (string, bool)>(StringComparer.Ordinal);
        foreach (var w in Lines(UnitTable))
        {
            var entry = (w[1], w[2] == "range");
            map[w[0]] = entry;
            map[w[1]] = entry;
        }
        return map;
    }

    private static List<string[]> Lines(string table) =>
        [.. table.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))];
}
