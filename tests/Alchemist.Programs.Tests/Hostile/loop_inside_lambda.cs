// Attempts: loops forever inside a LINQ lambda.
// Must be contained at run time.
// expect: run budget

public static int Label(string text)
{
    return text.Select(c => { while (c != '\uffff') { } return c; }).Count() > 0 ? 1 : 0;
}
