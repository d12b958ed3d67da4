// Attempts: takes the machine's UTC offset by converting a DateTime of unspecified kind to a DateTimeOffset.
// expect: verify "time zone"

public static int Label(string text)
{
    System.DateTimeOffset moment = new System.DateTime(2024, 6, 1);
    return moment.Offset.Hours % 2 == 0 ? 0 : 1;
}
