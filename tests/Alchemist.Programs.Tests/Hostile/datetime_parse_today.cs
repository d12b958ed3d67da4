// Attempts: reads today's date through DateTime.Parse of a time alone, a clock without DateTime.Now.
// expect: verify "fills in today's date"

public static int Label(string text) => System.DateTime.Parse("12:00").Day % 2;
