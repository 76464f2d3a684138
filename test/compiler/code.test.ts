/**
 * compiler/emit/code.ts, the one path to emitted text, tested directly: what each maker writes for
 * each kind of value, and what `trustedAjv` accepts and refuses of a generated validator. The shape
 * test (test/compiler/shape.test.ts) holds whole modules to it; these cases name the exact text.
 */
import { describe, expect, it } from 'vitest'
import { comment, join, js, jsonValue, numberedName, quote, Scope, scopedValidator, text, trustedAjv, typeKey } from '../../compiler/emit/code.js'

describe('js renders each kind of value', () => {
  it('numbers: negative ones in parentheses, -0 kept, non-finite refused', () => {
    expect(text(js`a - ${-1}`)).toBe('a - (-1)')
    expect(text(js`a - ${-0}`)).toBe('a - -0')
    expect(text(js`${0} ${2.5} ${1e21}`)).toBe('0 2.5 1e+21')
    expect(() => js`${Number.NaN}`).toThrow('internal: non-finite literal')
    expect(() => js`${-Infinity}`).toThrow('internal: non-finite literal')
  })
  it('undefined, null and booleans as their words; Code as itself; strings quoted', () => {
    expect(text(js`[${undefined}, ${null}, ${true}, ${false}]`)).toBe('[undefined, null, true, false]')
    expect(text(js`f(${js`x`})`)).toBe('f(x)')
    expect(text(js`${'x'}`)).toBe('"x"')
    expect(text(js`plain`)).toBe('plain')
  })
})

describe('js refuses what it cannot render', () => {
  it('an object that is not Code, a function, a bigint or a symbol stops the build instead of becoming text', () => {
    for (const bad of [{ p: 1 }, ['a'], () => 'evil()', 1n, Symbol('s')]) {
      expect(() => js`x === ${bad as never}`, String(typeof bad)).toThrow('internal: js takes code, strings, numbers, booleans, null or undefined')
    }
  })
})

describe('quote', () => {
  it('escapes <, >, U+2028 and U+2029 as four-digit \\u escapes, and nothing else beyond JSON', () => {
    expect(quote('<>\u2028\u2029')).toBe('"\\u003c\\u003e\\u2028\\u2029"')
    expect(quote('a"b\\c\n')).toBe('"a\\"b\\\\c\\n"')
    expect(quote('é&')).toBe('"é&"')
    expect(JSON.parse(quote('</script><!--\u2028'))).toBe('</script><!--\u2028')
  })
})

describe('jsonValue', () => {
  it('writes primitives as literals and builds objects and arrays by JSON.parse of a quoted string', () => {
    expect(text(jsonValue(null))).toBe('null')
    expect(text(jsonValue('a<'))).toBe('"a\\u003c"')
    expect(text(jsonValue(-2))).toBe('(-2)')
    expect(text(jsonValue(true))).toBe('true')
    expect(text(jsonValue([1, 'x']))).toBe('JSON.parse("[1,\\"x\\"]")')
    expect(text(jsonValue({ __proto__: null, a: { b: '</' } }))).toBe('JSON.parse("{\\"a\\":{\\"b\\":\\"\\u003c/\\"}}")')
  })
})

describe('join', () => {
  it('nothing for no items, the separator only between items', () => {
    expect(text(join([]))).toBe('')
    expect(text(join([js`a`]))).toBe('a')
    expect(text(join([js`a`, js`b`, js`c`]))).toBe('a, b, c')
    expect(text(join([js`a`, js`b`], js` && `))).toBe('a && b')
  })
  it('joins code only: a plain string in the list is the emitter\'s bug and stops the build', () => {
    expect(() => join([js`a`, 'b' as never])).toThrow('internal: join takes code only')
    expect(() => join(['a' as never])).toThrow('internal: join takes code only')
    expect(() => join([js`a`, null as never])).toThrow('internal: join takes code only')
  })
})

describe('comment', () => {
  it('is one line comment: line breaks and control characters become spaces, */ is broken', () => {
    expect(text(comment('a\nb\r\u2028c\u2029d\u0000e\u007f\u009ff\tg'))).toBe('// a b  c d e  f g')
    expect(text(comment('x */ y */'))).toBe('// x * / y * /')
    expect(text(comment('é ~ \u00a0'))).toBe('// é ~ \u00a0')
  })
})

describe('names', () => {
  it('a scope counts each prefix on its own', () => {
    const s = new Scope()
    expect([s.name('a'), s.name('b'), s.name('a'), s.name('$_x')].map(text)).toEqual(['a0', 'b0', 'a1', '$_x0'])
  })
  it('a scope refuses prefixes that are not identifiers or are reserved words', () => {
    const s = new Scope()
    for (const bad of ['', '1a', 'a-b', ' a', 'a ', 'let', 'eval', 'undefined', 'NaN', 'await', 'arguments']) expect(() => s.name(bad), bad).toThrow(`internal: bad name prefix ${bad}`)
  })
  it('numberedName takes an identifier prefix and a non-negative integer only', () => {
    expect(text(numberedName('v', 0))).toBe('v0')
    expect(text(numberedName('vf', 12))).toBe('vf12')
    expect(() => numberedName('v-', 1)).toThrow('internal: bad numbered name')
    expect(() => numberedName('v', -1)).toThrow('internal: bad numbered name')
    expect(() => numberedName('v', 1.5)).toThrow('internal: bad numbered name')
  })
  it('typeKey leaves a reserved word or a non-identifier quoted', () => {
    expect(['a', 'A_1', 'in', 'eval', '1', 'a b', 'x<'].map(k => text(typeKey(k)))).toEqual(['a', 'A_1', '"in"', '"eval"', '"1"', '"a b"', '"x\\u003c"'])
  })
})

/** Ajv's standalone output for one schema, in the form it writes it. */
const AJV = `"use strict";export const v0 = validate10;const func2 = require("ajv/dist/runtime/ucs2length").default;function validate10(data){return func2(data) < 3;}`
const UCS2 = { ucs2length: js`function (s) { return s.length; }` }

describe('trustedAjv', () => {
  it('drops "use strict", inlines the helpers it is given, keeps the export as a const', () => {
    const out = trustedAjv(AJV, UCS2)
    expect('unsupported' in out).toBe(false)
    expect(text(out as ReturnType<typeof js>)).toBe('const v0 = validate10;const func2 = function (s) { return s.length; };function validate10(data){return func2(data) < 3;}')
  })
  it('refuses a helper it was not given, naming the module', () => {
    expect(trustedAjv(AJV, {})).toEqual({ unsupported: 'ajv/dist/runtime/ucs2length' })
  })
  it('refuses any other require, import or export', () => {
    expect(trustedAjv('const a = require("fs");', {})).toEqual({ unsupported: 'fs' })
    expect(trustedAjv('import x from "y";', {})).toEqual({ unsupported: 'module syntax' })
    expect(trustedAjv('export default 1;', {})).toEqual({ unsupported: 'module syntax' })
    expect(trustedAjv('export const v0 = validate10; export const v1 = validate10;function validate10(){}', {})).not.toHaveProperty('unsupported')
  })
  it('inlines helpers and keeps exports whatever their number (Ajv counts them per instance)', () => {
    const src = `export const v12 = validate10;const func12 = require("ajv/dist/runtime/ucs2length").default;function validate10(data){return func12(data) < 3;}`
    expect(text(trustedAjv(src, UCS2) as ReturnType<typeof js>)).toBe('const v12 = validate10;const func12 = function (s) { return s.length; };function validate10(data){return func12(data) < 3;}')
  })
  it('a word that appears only once string literals are dropped is not module syntax', () => {
    const src = `const v0 = validate1;function validate1(d){return d === 'ex"' + '"port';}`
    expect(text(trustedAjv(src, {}) as ReturnType<typeof js>)).toBe(src)
  })
  it('reads the validator as module code (strict): what only sloppy scripts allow is refused', () => {
    expect(() => trustedAjv('const v0 = validate1;function validate1(d){with (d) return 010;}', {})).toThrow(SyntaxError)
  })
  it('the words import and export inside a string are not module syntax', () => {
    const src = 'const v0 = validate1;function validate1(d){return d === "import \\" export";}'
    expect(text(trustedAjv(src, {}) as ReturnType<typeof js>)).toBe(src)
  })
  it('refuses a validator that carries a comment (where a schema string would stand unquoted)', () => {
    expect(trustedAjv('const v0 = validate1;function validate1(){}/*# sourceURL=x */', {})).toEqual({ unsupported: 'a comment in the generated validator (`$id`?)' })
    expect(trustedAjv('const v0 = validate1;function validate1(){} // x', {})).toEqual({ unsupported: 'a comment in the generated validator (`$id`?)' })
  })
  it('only a leading "use strict" is dropped', () => {
    const src = 'const v0 = validate1;function validate1(){return "use strict";}'
    expect(text(trustedAjv(`"use strict";${src}`, {}) as ReturnType<typeof js>)).toBe(src)
    expect(text(trustedAjv(src, {}) as ReturnType<typeof js>)).toBe(src)
  })
})

describe('scopedValidator', () => {
  it('binds the validator to its own name inside a function scope', () => {
    const chunk = trustedAjv('"use strict";export const v0 = validate10;function validate10(d){return d === 1;}', {}) as ReturnType<typeof js>
    const out = text(scopedValidator(chunk, numberedName('v', 0), numberedName('v', 3)))
    expect(out).toBe('const v3 = (function () {function validate10(d){return d === 1;}return validate10;})();')
    expect(new Function(`${out} return v3`)()(1)).toBe(true)
  })
  it('refuses a chunk that does not start with the export it was told of', () => {
    const chunk = trustedAjv('const v1 = validate10;function validate10(){}', {}) as ReturnType<typeof js>
    expect(() => scopedValidator(chunk, numberedName('v', 0), numberedName('v', 3))).toThrow('internal: a generated validator does not start with its export')
  })
})
