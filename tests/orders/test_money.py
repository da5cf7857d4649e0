from storefront.orders.money import format_money


def test_format_money():
    assert format_money(19900, "USD") == "$199.00"
    assert format_money(123456789, "usd") == "$1,234,567.89"
    assert format_money(5, "EUR") == "€0.05"
    assert format_money(1500, "JPY") == "1,500 JPY"
    assert format_money(-250, "CHF") == "-2.50 CHF"
