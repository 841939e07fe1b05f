/*
 * ns_buf: the maximum is never passed (an append that would pass it fails
 * and leaves the buffer as it was), and JSON string escaping.
 */
#include "ns_buf.h"

#include <criterion/criterion.h>
#include <string.h>

Test(buf, maximum_is_enforced)
{
    ns_buf_t b;
    ns_buf_init(&b, 8);
    cr_assert_eq(ns_buf_append(&b, "12345", 5), 0);
    cr_assert_eq(ns_buf_append(&b, "6789", 4), -1);
    cr_assert_eq(b.len, 5);
    cr_assert_str_eq(b.data, "12345");
    cr_assert_eq(ns_buf_appendf(&b, "%d", 1234), -1);
    cr_assert_eq(ns_buf_appendf(&b, "%d", 678), 0);
    cr_assert_str_eq(b.data, "12345678");
    ns_buf_free(&b);
}

Test(buf, json_strings)
{
    ns_buf_t b;
    ns_buf_init(&b, 1024);
    const char in[] = "a\"b\\c\nd\x01\xc3\xa9";
    cr_assert_eq(ns_buf_append_json(&b, in, sizeof in - 1), 0);
    cr_assert_str_eq(b.data, "\"a\\\"b\\\\c\\nd\\u0001\xc3\xa9\"");
    ns_buf_free(&b);
    ns_buf_init(&b, 4);
    cr_assert_eq(ns_buf_append_json(&b, "abcdef", 6), -1);
    ns_buf_free(&b);
}
