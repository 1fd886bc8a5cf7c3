{#-
    A generic test of a table's row rules, as one query: every row must satisfy each rule (a name and a SQL
    condition on the row's columns; a rule that is null for a row passes, as in dbt_utils.expression_is_true
    and accepted_values). A failing row is returned once for each rule it breaks, with the rule's name in
    failed_rule, so the stored failures say which rule failed. One test for a mart's rules, not one per rule:
    each test is a dbt node, with ~0.05 s of overhead in every simulated year whatever the census size.
-#}
{% test row_rules(model, rules) %}
    {%- for rule_name, condition in rules.items() %}
    select '{{ rule_name }}' as failed_rule, *
    from {{ model }}
    where not ({{ condition }})
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{% endtest %}
