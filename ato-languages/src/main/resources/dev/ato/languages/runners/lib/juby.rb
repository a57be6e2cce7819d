# J-uby, from its specification (github.com/cyoce/J-uby, README.md): Ruby whose Symbols, Procs and Methods gain
# J-like operators for tacit programming. A J-uby program is a Ruby program run with this file required first
# (`ruby -r juby.rb code`, as ATO runs J-uby). The README's equalities, for a function P (a Symbol, Proc or Method):
#
#   sym.(*args) == sym.to_proc.(*args)        P ^ x == P.(x)            P =~ x == (P.(x) == x)
#   (P | Q).(*args) == Q.(P.(*args))          P << x == P.(*x)          P / x == x.inject(&P)
#   (P & x).(*args) == P.(x, *args)           P.>>(*x) == P.(x)         P * x == x.map(&P)
#   (~P).(*args) == P.(*args.reverse)         P.-(x, y) == P.(x).(y)    P % Q == P.(&Q)
#   (P ** Q).(*args) == P.(*args.map(&Q));    (P ** n).(x) iterates P on x n times
#   (P % [Q]).(x) == P.(x, Q.(x));            (P % [Q]).(x, y) == P.(x, Q.(y))
#   (P % [Q, R]).(x) == P.(Q.(x), R.(x));     (P % [Q, R]).(x, y) == P.(Q.(x), R.(y)), or
#                                             P.(Q.(x, y), R.(x, y)) where Q and R take exactly two arguments
#   (P + init).(n): an array from init, then n times P of its last init.length entries appended
#   P !~ x iterates P on x until x == P.(x)
module JUby
  def self.arity(f)
    f.respond_to?(:arity) ? f.arity : f.to_proc.arity
  end

  def |(other)
    me = self
    ->(*args, &blk) { other.call(me.call(*args, &blk)) }
  end

  def &(x)
    me = self
    ->(*args, &blk) { me.call(x, *args, &blk) }
  end

  def ~
    me = self
    ->(*args, &blk) { me.call(*args.reverse, &blk) }
  end

  def ^(x)
    call(x)
  end

  def <<(x)
    call(*x)
  end

  def >>(*x)
    call(x)
  end

  def -(x, y)
    call(x).call(y)
  end

  def =~(x)
    call(x) == x
  end

  def !~(x)
    loop do
      y = call(x)
      return x if y == x
      x = y
    end
  end

  def /(x)
    x.inject(&self)
  end

  def *(x)
    x.map(&self)
  end

  def %(other)
    return call(&other) unless other.is_a?(Array)
    me = self
    q, r = other
    if other.length == 1
      ->(x, y = x) { me.call(x, q.call(y)) }
    elsif JUby.arity(q) == 2 && JUby.arity(r) == 2
      ->(x, y) { me.call(q.call(x, y), r.call(x, y)) }
    else
      ->(x, y = x) { me.call(q.call(x), r.call(y)) }
    end
  end

  def **(other)
    me = self
    if other.is_a?(Integer)
      ->(x) { other.times.reduce(x) { |v, _| me.call(v) } }
    else
      ->(*args) { me.call(*args.map(&other)) }
    end
  end

  def +(init)
    me = self
    ->(n) do
      seq = init.dup
      n.times { seq << me.call(*seq.last(init.length)) }
      seq
    end
  end
end

class Symbol
  def call(*args, &blk)
    to_proc.call(*args, &blk)
  end
  prepend JUby
end
Proc.prepend(JUby)
Method.prepend(JUby)
