"""Dead reckoning's zero-velocity moments: when a stretch of motion is closed (a stance), and
when a foot that only looks still for a moment is not taken to stand."""

from __future__ import annotations

from heel.motion.deadreckon import DeadReckon

G = 1000  # mg


def _rest(dr: DeadReckon, t: int, blocks: int) -> int:
    for _ in range(blocks):
        t += 100
        dr.block(t, 0, 0, G, 0, 0, 0, 20, 20, 10, 0)
    return t


def _swing(dr: DeadReckon, t: int, forward_mg: list[int]) -> int:
    """Blocks of horizontal acceleration, level foot, no rotation (gyro peak above the
    stillness limit: the foot swings)."""
    for ax in forward_mg:
        t += 100
        dr.block(t, ax, 0, G, 0, 0, 0, 2000, 150, 0, 0)
    return t


def _quiet(dr: DeadReckon, t: int, blocks: int) -> int:
    """Blocks that look still (1 g, little rotation, no jolt), the foot not known to rest."""
    for _ in range(blocks):
        t += 100
        dr.block(t, 0, 0, G, 0, 0, 0, 100, 30, 0, 0)
    return t


def _stretch_after(jolt_mg: int) -> tuple[int, int]:
    """A swing whose integrated velocity is left at 0.4 m/s (a quick swing's error), a
    block with a jolt of jolt_mg, then quiet blocks: stretches closed after 2 and 3 of them."""
    dr = DeadReckon()
    t = _rest(dr, 0, 3)
    closed = dr.closed
    t = _swing(dr, t, [200, 200, 200, 200, -200, -200, -200, 200, 200])
    t += 100
    dr.block(t, 0, 0, G, 0, 0, 0, 800, jolt_mg, 0, 0)
    t = _quiet(dr, t, 2)
    after_two = dr.closed - closed
    _quiet(dr, t, 1)
    return after_two, dr.closed - closed


def test_a_foot_still_for_three_blocks_after_it_landed_stands_whatever_the_velocity() -> None:
    # a heel strike (a jolt), then 0.3 s quiet: a stance, even though the integration says
    # the foot still moves at 0.4 m/s
    assert _stretch_after(jolt_mg=700) == (0, 1)


def test_a_foot_that_landed_nowhere_is_not_taken_to_stand_while_it_moves() -> None:
    # a crossed leg's foot swings slowly enough to look quiet: no landing, no stance
    assert _stretch_after(jolt_mg=150) == (0, 0)


def test_a_stance_after_a_slow_swing_needs_two_quiet_blocks() -> None:
    dr = DeadReckon()
    t = _rest(dr, 0, 3)
    closed = dr.closed
    t = _swing(dr, t, [50, 50, -50, -50])
    t = _quiet(dr, t, 1)
    assert dr.closed == closed  # a moment of quiet in a swing is no stance
    _quiet(dr, t, 1)
    assert dr.closed == closed + 1


def _stance_with_jolts(landing_mg: int, stance_jerk_mg: int) -> int:
    """A slow swing, a block with an impact of landing_mg, then a stance whose blocks read
    1 g with little rotation but jolts of stance_jerk_mg (the strike ringing on, the other
    foot's strikes): stretches closed in the stance."""
    dr = DeadReckon()
    t = _rest(dr, 0, 3)
    closed = dr.closed
    t = _swing(dr, t, [50, 50, -50, -50])
    t += 100
    dr.block(t, 0, 0, G, 0, 0, 0, 800, landing_mg, 0, 0)
    for _ in range(2):
        t += 100
        dr.block(t, 0, 0, G, 0, 0, 0, 300, stance_jerk_mg, 0, 0)
    return dr.closed - closed


def test_a_stance_after_a_landing_stays_a_stance_through_its_ringing() -> None:
    # a heel-walk stance is 0.3-0.5 s: its ringing and the other foot's strikes must not
    # hide it (the stretch would run on over the next step)
    assert _stance_with_jolts(landing_mg=900, stance_jerk_mg=280) == 1


def test_without_a_landing_a_jolted_block_is_no_stance() -> None:
    assert _stance_with_jolts(landing_mg=150, stance_jerk_mg=280) == 0


def test_an_accelerometer_off_by_seven_percent_still_starts_the_integration() -> None:
    # an MPU6050's zero-g offset and scale error put gravity anywhere in 0.9-1.1 g: the
    # first rest (0.4 s truly at rest, as the posture says) starts the dead reckoning anyway
    for g in (930, 1070):
        dr = DeadReckon()
        t = 0
        for quiet_blocks in range(8):
            t += 100
            dr.block(t, 0, 0, g, 0, 0, 0, 20, 20, 1 + quiet_blocks, 0)
        assert dr.known
        assert dr._gsize == g


def test_a_foot_that_is_only_still_for_a_moment_does_not_start_it_off_1_g() -> None:
    # a crossed leg's slow bob can pass the posture's stillness at 1.11 g for a block or two:
    # not a first rest
    dr = DeadReckon()
    t = 0
    for _ in range(8):
        t += 100
        dr.block(t, 0, 0, 1110, 0, 0, 0, 150, 20, 1, 0)
    assert not dr.known


def test_a_rest_block_that_held_the_start_of_a_lift_is_integrated_not_taken_for_gravity() -> None:
    # the posture still calls the block at rest where the foot began to rise (+30 mg); then
    # it rises on (+30) and slows down (-30, -30): its true vertical velocity is back to 0
    dr = DeadReckon()
    t = _rest(dr, 0, 10)
    t += 100
    dr.block(t, 0, 0, G + 30, 0, 0, 0, 20, 20, 10, 0)
    for az in (G + 30, G - 30, G - 30):
        t += 100
        dr.block(t, 0, 0, az, 0, 0, 0, 2000, 150, 0, 0)
    # (taking that block's 1.03 g for gravity leaves the foot falling at 12 cm/s)
    assert -20 < dr.vz < 20
    assert dr.run == 4  # the onset block is the stretch's first


def _turning_blocks(swing_mg: list[int], w_ddps: tuple[int, int, int]) -> int:
    """A swing, then two blocks that read 1 g with no jolt while the foot turns at w (mean
    and peak, ddps): stretches closed in them."""
    dr = DeadReckon()
    t = _rest(dr, 0, 3)
    closed = dr.closed
    t = _swing(dr, t, swing_mg)
    wx, wy, wz = w_ddps
    peak = abs(wx) + abs(wy) + abs(wz) + 100
    for _ in range(2):
        t += 100
        dr.block(t, 0, 0, G, wx, wy, wz, peak, 30, 0, 0)
    return dr.closed - closed


def test_a_heel_pivoting_about_the_vertical_in_a_stance_stands() -> None:
    # a turn while heel walking: the stance spins on the heel at 150 deg/s
    assert _turning_blocks([50, 50, -50, -50], (0, 0, 1500)) == 1


def test_a_foot_rocking_about_a_horizontal_axis_does_not_stand() -> None:
    assert _turning_blocks([50, 50, -50, -50], (0, 1500, 0)) == 0


def test_a_swinging_foot_turning_about_the_vertical_does_not_stand() -> None:
    # the swing's velocity (here 1 m/s forward) says the foot moves: a turn in the swing
    assert _turning_blocks([500, 500], (0, 0, 1500)) == 0


def _lift_and_top(lift_mg: int, top_mg: int, top_rest: int) -> DeadReckon:
    """At rest on the floor at 1 g, the foot lifts and slows (+lift_mg, then -lift_mg: 300
    mg lifts it 12 cm, onto a toe tapper's hover over the step; 50 mg, 2 cm), then a block the
    posture calls still (top_rest: its rest count) reading top_mg, then the foot goes down
    and stops: its true vertical velocity is 0 again."""
    dr = DeadReckon()
    t = _rest(dr, 0, 10)
    for az in (G + lift_mg, G + lift_mg, G - lift_mg, G - lift_mg):
        t += 100
        dr.block(t, 0, 0, az, 0, 0, 0, 2000, 150, 0, 0)
    t += 100
    dr.block(t, 0, 0, top_mg, 0, 0, 0, 150, 30, top_rest, 0)
    for az in (G - 50, G + 50):
        t += 100
        dr.block(t, 0, 0, az, 0, 0, 0, 2000, 150, 0, 0)
    return dr


def test_a_foot_still_for_a_moment_at_the_top_of_a_lift_keeps_gravity() -> None:
    # turning round at the top of a smooth lift (a toe tapper's hover) the foot looks still
    # for a block, but it decelerates: its accelerometer reads 0.95 g. Gravity stays the rest's
    # (taking 0.95 g for it left the foot rising at 10 cm/s two blocks later; sim-b's tappers
    # at 0.5-1 m/s within a set)
    dr = _lift_and_top(300, G - 50, 1)
    assert dr.elevation_mm > 100
    assert dr._gsize == G
    assert -20 < dr.vz < 20


def test_a_block_at_rest_reading_1_g_is_taken_for_gravity() -> None:
    dr = _lift_and_top(300, G - 10, 1)  # (within 2% of the rest's 1 g: noise, scale error)
    assert dr._gsize == G - 10


def test_a_rest_of_two_quiet_blocks_is_taken_for_gravity_whatever_it_reads() -> None:
    # a new pose reads up to ~4% off the last (the accelerometer's scale and cross-axis
    # errors); a foot quiet for 0.2 s is at rest there, not turning round
    dr = _lift_and_top(300, G - 50, 3)
    assert dr._gsize == G - 50


def test_near_the_floor_a_block_still_for_a_moment_is_taken_for_gravity() -> None:
    # (a heel walker's stance, rolling over the heel, or a calf raise's top, lifting the
    # sensor 3-8 cm: on the floor, not hovering)
    dr = _lift_and_top(50, G - 50, 1)
    assert dr.elevation_mm < 100
    assert dr._gsize == G - 50


def test_a_foot_in_the_air_still_rising_through_a_still_looking_block_moves_on() -> None:
    # a leg lifting the foot at a steady 0.3 m/s turns < 10 deg/s and reads 1 g: the posture
    # calls a block still; up in the air, while the integration has the foot moving, it is no
    # zero-velocity moment (sim-b's legs lift the foot so, and the integration stopped there
    # read the rest of the lift as a fall)
    dr = DeadReckon()
    t = _rest(dr, 0, 10)
    for az in (G + 300, G + 300, G - 150, G - 150):
        t += 100
        dr.block(t, 0, 0, az, 0, 0, 0, 2000, 150, 0, 0)
    assert dr.elevation_mm > 100
    closed = dr.closed
    t += 100
    dr.block(t, 0, 0, G, 0, 0, 0, 150, 30, 1, 0)  # still-looking, rising at 0.3 m/s
    assert dr.closed == closed and dr.run == 5
    for az in (G - 150, G - 150):  # it slows to a stop at the top
        t += 100
        dr.block(t, 0, 0, az, 0, 0, 0, 2000, 150, 0, 0)
    assert -20 < dr.vz < 20
    t += 100
    dr.block(t, 0, 0, G, 0, 0, 0, 150, 30, 1, 0)  # still now: a zero-velocity moment
    assert dr.closed == closed + 1


def test_near_the_floor_a_still_looking_block_after_the_foot_slowed_stops_the_integration() -> None:
    # (a heel walker's stance after a quick swing, whose integration error reads as motion,
    # or a crossed leg's bob, which the heel-raise detector knows by what the integration
    # measured): the foot slowed to half its speed, a stop
    dr = DeadReckon()
    t = _rest(dr, 0, 10)
    for az in (G + 300, G - 150):
        t += 100
        dr.block(t, 0, 0, az, 0, 0, 0, 2000, 150, 0, 0)
    assert dr.elevation_mm < 100
    closed = dr.closed
    t += 100
    dr.block(t, 0, 0, G, 0, 0, 0, 150, 30, 1, 0)
    assert dr.closed == closed + 1


def test_a_foot_lifted_from_a_rest_at_a_steady_speed_is_not_taken_to_stop() -> None:
    # a leg lifting the foot from the floor onto a step at a steady 0.2 m/s reads 1 g and
    # turns slowly: the posture calls it still, even at rest; but nothing slowed it down.
    # The integration goes on until the foot sheds that speed (wide tuning set 51047, a
    # steady lifter's set lost before: its lift onto the step was never measured)
    dr = DeadReckon()
    t = _rest(dr, 0, 10)
    for az in (G + 200, G):
        t += 100
        dr.block(t, 0, 0, az, 0, 0, 0, 2000, 150, 0, 0)
    closed = dr.closed
    start = dr.elevation_mm
    for rest in (1, 2, 3, 4):  # still-looking, at rest by the posture, still rising
        t += 100
        dr.block(t, 0, 0, G, 0, 0, 0, 150, 30, rest, 0)
    assert dr.closed == closed
    assert dr.elevation_mm - start > 60  # 0.2 m/s for 0.4 s
    t += 100
    dr.block(t, 0, 0, G - 200, 0, 0, 0, 2000, 150, 0, 0)  # it slows to a stop on the step
    assert -20 < dr.vz < 20
    t += 100
    dr.block(t, 0, 0, G, 0, 0, 0, 150, 30, 1, 0)
    assert dr.closed == closed + 1
    assert dr.rise_mm > 80
