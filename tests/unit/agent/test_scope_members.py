"""Which remote units a unit sees in a global relation, as the scope changes (agent/scope.py).

The answer is kept between calls while the relation's scope is unchanged (issue 23: a worker
among a thousand asks it every hook); these pin that it follows every change of the scope.
"""

from __future__ import annotations

from orchestrator.agent import scope
from orchestrator.state import model


def _relation() -> model.Relation:
    return model.Relation(
        id=7,
        endpoints=[
            model.RelationEndpoint('control', 'kube', 'provider', 'kube-cluster'),
            model.RelationEndpoint('worker', 'kube', 'requirer', 'kube-cluster'),
        ],
        scope=['control/0', 'worker/0', 'worker/1', 'control/1'],
    )


def test_a_unit_sees_the_other_applications_units_in_scope_order():
    m = model.Model()
    relation = _relation()
    worker = model.Unit(name='worker/0', application='worker', machine='0')
    control = model.Unit(name='control/1', application='control', machine='1')
    assert scope.visible_members(m, relation, worker) == ['control/0', 'control/1']
    assert scope.visible_members(m, relation, control) == ['worker/0', 'worker/1']
    # The same question again, after each kind of change the model makes to a scope.
    relation.scope.append('control/2')
    assert scope.visible_members(m, relation, worker) == ['control/0', 'control/1', 'control/2']
    relation.scope.remove('control/0')
    assert scope.visible_members(m, relation, worker) == ['control/1', 'control/2']
    relation.scope.remove('control/1')
    relation.scope.append('control/1')  # same length, another order
    assert scope.visible_members(m, relation, worker) == ['control/2', 'control/1']
    relation.scope = ['worker/0', 'controller/0']  # a name that only starts like the app's
    assert scope.visible_members(m, relation, worker) == []
    # What a caller does to the answer does not change the next one.
    got = scope.visible_members(m, relation, control)
    got.append('worker/9')
    assert scope.visible_members(m, relation, control) == ['worker/0']
