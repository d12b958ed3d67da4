// Attempts: reads today's date through Convert.ToDateTime of a time alone.
// expect: verify "fills in today's date"

public static int Label(string text) => System.Convert.ToDateTime("08:30").DayOfYear % 2;
