namespace Rig.Hypervisor.Qmp;

/// <summary>A malformed HMP line; the message is the text QEMU's monitor prints for it.</summary>
internal sealed class HmpSyntaxException(string message) : Exception(message);

/// <summary>
/// The integer expressions HMP accepts wherever a number is expected, with QEMU's grammar (monitor/hmp.c, expr_sum):
/// sum := logic (('+'|'-') logic)*, logic := prod (('&amp;'|'|'|'^') prod)*, prod := unary (('*'|'/'|'%') unary)*,
/// unary := ('+'|'-'|'~') unary | '(' sum ')' | number. Numbers are read as C's strtoull with base 0: 0x.. hex,
/// 0.. octal, else decimal. Spaces between tokens are skipped, so "4 -5" is one expression (-1), exactly as in QEMU.
/// Registers ($eax) and character literals need a stopped CPU's context and are not supported.
/// </summary>
internal ref struct HmpExpression
{
    private readonly ReadOnlySpan<char> _line;
    private int _position;

    private HmpExpression(ReadOnlySpan<char> line, int position)
    {
        _line = line;
        _position = position;
    }

    /// <summary>Evaluates the expression starting at <paramref name="position"/> and moves it past the expression.</summary>
    public static long Evaluate(ReadOnlySpan<char> line, ref int position)
    {
        var expression = new HmpExpression(line, position);
        expression.SkipSpaces();
        long value = expression.Sum();
        position = expression._position;
        return value;
    }

    private readonly char Current => _position < _line.Length ? _line[_position] : '\0';

    private void Next()
    {
        _position++;
        SkipSpaces();
    }

    private void SkipSpaces()
    {
        while (_position < _line.Length && IsSpace(_line[_position]))
        {
            _position++;
        }
    }

    private long Sum()
    {
        long value = Logic();
        while (Current is '+' or '-')
        {
            char op = Current;
            Next();
            long right = Logic();
            value = op == '+' ? unchecked(value + right) : unchecked(value - right);
        }

        return value;
    }

    private long Logic()
    {
        long value = Product();
        while (Current is '&' or '|' or '^')
        {
            char op = Current;
            Next();
            long right = Product();
            value = op switch { '&' => value & right, '|' => value | right, _ => value ^ right };
        }

        return value;
    }

    private long Product()
    {
        long value = Unary();
        while (Current is '*' or '/' or '%')
        {
            char op = Current;
            Next();
            long right = Unary();
            if (op != '*' && right == 0)
            {
                throw new HmpSyntaxException("division by zero");
            }

            value = op switch
            {
                '*' => unchecked(value * right),
                '/' => right == -1 ? unchecked(-value) : value / right,
                _ => right == -1 ? 0 : value % right,
            };
        }

        return value;
    }

    private long Unary()
    {
        switch (Current)
        {
            case '+':
                Next();
                return Unary();
            case '-':
                Next();
                return unchecked(-Unary());
            case '~':
                Next();
                return ~Unary();
            case '(':
                Next();
                long inner = Sum();
                if (Current != ')')
                {
                    throw new HmpSyntaxException("')' expected");
                }

                Next();
                return inner;
            case '\0':
                throw new HmpSyntaxException("unexpected end of expression");
            default:
                long number = Number();
                SkipSpaces();
                return number;
        }
    }

    /// <summary>As strtoull(p, &amp;end, 0): the longest prefix that is a number in the base its prefix selects.</summary>
    private long Number()
    {
        int numberBase = 10;
        if (Current == '0')
        {
            // "0x" only counts as a prefix when a hex digit follows; "0xg" is the number 0 followed by "xg", as in C.
            bool hexPrefix = _position + 2 < _line.Length && _line[_position + 1] is ('x' or 'X')
                && char.IsAsciiHexDigit(_line[_position + 2]);
            numberBase = hexPrefix ? 16 : 8;
            _position += hexPrefix ? 2 : 0;
        }

        int digitsStart = _position;
        while (_position < _line.Length && IsDigit(_line[_position], numberBase))
        {
            _position++;
        }

        if (_position == digitsStart)
        {
            throw new HmpSyntaxException($"invalid char '{Current}' in expression");
        }

        ulong value = 0;
        foreach (char c in _line[digitsStart.._position])
        {
            ulong digit = (ulong)(char.IsAsciiDigit(c) ? c - '0' : (c | 0x20) - 'a' + 10);
            if (value > (ulong.MaxValue - digit) / (ulong)numberBase)
            {
                throw new HmpSyntaxException("number too large");
            }

            value = (value * (ulong)numberBase) + digit;
        }

        return unchecked((long)value);
    }

    /// <summary>C's isspace, which QEMU's qemu_isspace is.</summary>
    public static bool IsSpace(char c) => c is ' ' or '\t' or '\n' or '\v' or '\f' or '\r';

    private static bool IsDigit(char c, int numberBase) => numberBase switch
    {
        16 => char.IsAsciiHexDigit(c),
        8 => c is >= '0' and <= '7',
        _ => char.IsAsciiDigit(c),
    };
}
