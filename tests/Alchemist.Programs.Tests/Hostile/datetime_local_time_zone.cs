// Attempts: labels by the machine's time zone through ToLocalTime: every vote flips with TZ.
// expect: verify "time zone"

public static int Label(string text) => new System.DateTime(2024, 1, 1, 0, 0, 0, System.DateTimeKind.Utc).ToLocalTime().Hour % 2;
