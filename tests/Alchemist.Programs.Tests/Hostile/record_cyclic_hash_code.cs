// Attempts: hashes a record that contains itself: the generated GetHashCode recurses until the stack ends.
// expect: verify "hash codes"

sealed record Node(string Name)
{
    public Node? Next { get; set; }
}

public static int Label(string text)
{
    var node = new Node(text);
    node.Next = node;
    return node.GetHashCode() % 2;
}
